#pragma once
// `setpoint run --config FILE [--dry-run] [--for DURATION]`: the daemon. Telemetry intake,
// the engine loop and the control plane, until SIGTERM or SIGINT (finish the pass, flush the
// audit, close the actuators, exit 0). SIGHUP reloads the config, validated first: a bad
// config keeps the old one and says why.
#include <string>

namespace setpoint::runner {

struct RunArgs {
  std::string config;
  bool dry_run = false;
  std::string run_for;  // a duration; empty: until a signal
  std::string listen;   // overrides control_plane.listen
  std::string stdlib;
};

int run_daemon(const RunArgs& args);

}  // namespace setpoint::runner

#pragma once
// `setpoint replay --config FILE --telemetry FILE.jsonl [--from T] [--to T] [--json]`:
// backtesting. The whole engine — ingest, windows, policies, guard, modes — runs on a manual
// clock driven by the events' timestamps, as fast as it can, in observe mode, with no state
// file: the decision timeline, then a summary (decisions per policy and verdict, guard blocks
// by reason, each parameter's trajectory). Events before --from fill the windows; decisions
// start at --from; reading stops past --to. With --json, one decision record per line and a
// summary object last.
//
// With `--policies OLD --against NEW`: a decision diff. Both folders run on the same events
// with the same guard; printed is where they decide differently (time, target, each side's
// decision and evidence), then each side's totals; exit 0 when they decide the same, 1 when
// they differ, 2 when they cannot be compared (a policy that does not load, different
// parameters set by each folder, bad arguments, unreadable telemetry). `--policies` alone
// replays another folder than config's.
#include <string>

namespace setpoint::runner {

struct ReplayArgs {
  std::string config;
  std::string telemetry;
  std::string from, to;  // RFC 3339
  bool json = false;
  std::string stdlib;
  std::string history;   // keep the hourly history here (default: a temporary file, removed)
  std::string policies;  // instead of config's policies.dir
  std::string against;   // a second folder: the decision diff
};

int run_replay(const ReplayArgs& args);

}  // namespace setpoint::runner

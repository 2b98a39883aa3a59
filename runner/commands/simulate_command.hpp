#pragma once
// `setpoint simulate SCENARIO.yaml [--json]`: the real engine (real policies, real guard, the
// inproc actuator) in a closed loop with a simulated service (service_model), on a manual
// clock, much faster than real time. Prints per phase (a stretch of constant load and
// capacity): goodput against what could be served, p99, ticks to converge, the knob's
// oscillation after convergence; actions applied and blocked by reason; invariant violations
// (a value outside its bounds, a change inside a cooldown). Exit 0 when the scenario's
// expectations are met, 1 when not, 2 on a bad scenario or config.
#include <string>

namespace setpoint::runner {

struct SimulateArgs {
  std::string scenario;
  bool json = false;
  std::string stdlib;
  std::string state;  // slow scenarios: the store to write (a new file)
};

int run_simulate(const SimulateArgs& args);

}  // namespace setpoint::runner

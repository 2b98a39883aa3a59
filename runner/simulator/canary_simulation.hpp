#pragma once
// Runs of a canary scenario: the real engine (no store: each run starts clean), its rollout of
// the scenario's change, and a service whose requests go to the canary with the rollout's
// weight, each cohort served at its own value with latencies lognormal around the p50 the
// scenario gives for that value. Second by second until the rollout ends or the run's duration
// is up; deterministic for a seed.
#include <string>

#include "setpoint/base/result.hpp"
#include "simulator/canary_scenario.hpp"

namespace setpoint::runner {

// The figures (JSON text): each outcome's count over the runs, the false rollbacks of an A/A
// scenario beside what a fixed-horizon test at every look would have done, the first run's
// rollout in full, and `failures` (expectations not met).
Result<std::string> simulate_canary(const CanaryScenario& scenario, const std::string& stdlib);

}  // namespace setpoint::runner

#pragma once
// One run of a slow scenario: the real engine with its autopilot, a real state store, and a
// service whose p99 at the knob's value x is, at time t,
//
//   p99 = p99_ms × (1 + curvature·d² + tilt(t)·d) × (1 + seasonality·sin(2π·t/day)) × bad
//   d   = (x − best(t)) / best(t)
//
// recorded minute by minute (requests_per_step latencies shaped so their p99 is that p99);
// tilt is the response change (0 outside its week) and bad the injected bad change's factor
// while the knob holds the value that day's cycle gave it. Deterministic: the same scenario
// gives the same store and figures.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "setpoint/base/result.hpp"
#include "simulator/slow_scenario.hpp"

namespace setpoint::runner {

struct SlowOptions {
  std::string stdlib;
  std::string state;  // the store to write (new or empty); empty: a temporary one
};

// The figures (nlohmann JSON as text): cycles by status, the operating bounds' history,
// rollbacks, the drift monitor's pauses, prediction errors by week, bound violations, the
// wall time, and `failures` (expectations not met).
Result<std::string> simulate_slow(const SlowScenario& scenario, const SlowOptions& options);

}  // namespace setpoint::runner

#pragma once
// One run of a scenario: the real engine (real policies, real guard, the inproc actuator) in a
// closed loop with the simulated service, its rules and its release train, on a manual clock.
// The trace is what happened, step by step; simulation_figures turns it into figures.
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "setpoint/base/result.hpp"
#include "simulator/scenario.hpp"

namespace setpoint {
class Guard;
}

namespace setpoint::runner {

// One model step, as the figures need it (flows in requests a second).
struct Sample {
  Nanos t = 0;  // since the start
  double offered = 0, capacity = 0, goodput = 0, p99_ms = 0;
  double knob = 0;  // the first knob's value (by name)
  double retries = 0, critical_offered = 0, critical_goodput = 0, critical_refused = 0,
         low_offered = 0, shed = 0;
  double requests = 0, failures = 0;  // everything the service saw this step, and what failed of it
};

// A change the engine applied, from its decision record.
struct Applied {
  Nanos at = 0;  // since the start
  std::string target;
  double from = 0, to = 0;
};

// A switch the engine flipped in the model: a rule enabled or disabled, releases frozen or not.
struct SwitchChange {
  Nanos at = 0;      // since the start
  std::string what;  // the rule's name, or "releases"
  bool on = false;   // enabled, or frozen
};

// A change of what end users are told (the status feed: a decision of setpoint:status).
struct StatusChange {
  Nanos at = 0;  // since the start
  std::string service, state;
};

struct Trace {
  Nanos tick = 0;  // the engine's tick
  std::vector<Sample> samples;
  std::vector<Applied> applied;
  std::map<std::string, std::uint64_t> blocked;  // by guard reason
  int proposals = 0, rollbacks = 0;
  int out_of_bounds = 0;  // steps where a knob was outside its parameter's bounds
  int inside_cooldown =
      0;  // applied changes closer to the one before in their direction than its cooldown
  std::vector<SwitchChange> switches;
  std::vector<StatusChange> status;
  std::vector<Nanos> releases;  // when one went out
};

struct SimulationOptions {
  std::string stdlib;
};

// Changes inside a cooldown: an applied change of a parameter closer to its previous change
// (in either direction) than its own direction's cooldown — the guard's rule. Must be 0.
int changes_inside_cooldown(const std::vector<Applied>& applied, const Guard& guard);

// The trace, or what kept the run from starting (a bad config, a knob bound to nothing).
Result<Trace> simulate(const Scenario& scenario, const SimulationOptions& options);

}  // namespace setpoint::runner

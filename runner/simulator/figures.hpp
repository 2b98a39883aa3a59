#pragma once
// The figures of a simulator run, and whether they meet the scenario's expectations:
//   phases   — per stretch of constant schedules: goodput over what could be served, p99,
//              ticks to converge, the knob's oscillation after convergence, the clients'
//              retry ratio, what was shed by priority
//   actions  — applied, blocked by guard reason, rolled back, proposals
//   rules    — when each rule was disabled and enabled again, and how fast after each surge
//   releases — the fast error-budget burn, when releases froze and thawed, what went out
//   invariant_violations — a knob outside its bounds, a change inside a cooldown: must be 0
//   failures — each expectation not met, in words
#include <nlohmann/json.hpp>

#include "simulator/simulation.hpp"

namespace setpoint::runner {

nlohmann::json figures(const Scenario& scenario, const Trace& trace);

}  // namespace setpoint::runner

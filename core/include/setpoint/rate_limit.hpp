#pragma once
// How far a parameter may move: in one step, and over periods (Kubernetes HPA's behavior
// policies). Pure functions of the current value and the recent changes.
#include <deque>
#include <utility>

#include "setpoint/parameter.hpp"

namespace setpoint {

// The furthest value one step from `current` may reach in `direction` (+1 up, -1 down).
double step_limit(const StepLimit& step, double current, int direction);

// The furthest value the rate policies allow now. Each policy measures from where the value
// stood at the start of its period (current minus the moves this way within the period);
// kMax takes the policy allowing the most change, kMin the least, kDisabled allows none.
// `changes` are (when, delta) of applied changes, oldest first.
double rate_limit(const DirectionRules& rules, const std::deque<std::pair<Nanos, double>>& changes,
                  double current, int direction, Nanos now);

}  // namespace setpoint

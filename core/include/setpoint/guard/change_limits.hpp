#pragma once
// How far a parameter may move: in one step, and over periods (Kubernetes HPA's behavior
// policies). Pure functions of the current value and the recent changes.
#include <deque>
#include <utility>

#include "setpoint/guard/parameter.hpp"

namespace setpoint {

// The furthest value one step from `current` may reach in `direction` (+1 up, -1 down).
double step_limit(const StepLimit& step, double current, int direction);

// The furthest value the rate policies allow now, as Kubernetes HPA computes it. Each policy
// measures from where the value stood at the start of its period: the current value less
// every change within it, up and down (`changes` are (when, delta), oldest first; a change
// counts when it is strictly newer than now - period). kMax takes the policy allowing the most
// change, kMin the least, kDisabled allows none. With `whole` (int parameters) a percent limit
// is HPA's: ceil(start × (1 + p)) up, start × (1 − p) truncated down. A limit already used up
// means no move at all this way, never a move back.
double rate_limit(const DirectionRules& rules, const std::deque<std::pair<Nanos, double>>& changes,
                  double current, int direction, Nanos now, bool whole);

}  // namespace setpoint

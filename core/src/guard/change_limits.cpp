#include "setpoint/guard/change_limits.hpp"

#include <algorithm>
#include <cmath>

namespace setpoint {

double step_limit(const StepLimit& step, double current, int direction) {
  const double amount =
      step.unit == StepLimit::Unit::kPercent ? std::abs(current) * step.amount / 100 : step.amount;
  return current + direction * amount;
}

namespace {

// Where one policy lets the value go from `start`. HPA's own arithmetic, in its order, for the
// values it knows (non-negative); a negative start moves by its magnitude.
double policy_limit(const StepLimit& limit, double start, int direction, bool whole) {
  if (limit.unit == StepLimit::Unit::kAbsolute) return start + direction * limit.amount;
  if (start < 0) return start + direction * std::abs(start) * limit.amount / 100;
  const double factor = direction > 0 ? 1 + limit.amount / 100 : 1 - limit.amount / 100;
  const double proposed = start * factor;
  if (!whole) return proposed;
  return direction > 0 ? std::ceil(proposed) : std::trunc(proposed);
}

}  // namespace

double rate_limit(const DirectionRules& rules, const std::deque<std::pair<Nanos, double>>& changes,
                  double current, int direction, Nanos now, bool whole) {
  if (rules.select == RateSelect::kDisabled) return current;
  double most = current;
  double least = current;
  bool first = true;
  for (const auto& policy : rules.rate) {
    double moved = 0;
    for (const auto& [when, delta] : changes) {
      if (when > now - policy.period) moved += delta;
    }
    const double limit = policy_limit(policy.limit, current - moved, direction, whole);
    if (first) {
      most = least = limit;
      first = false;
    } else if (direction > 0) {
      most = std::max(most, limit);
      least = std::min(least, limit);
    } else {
      most = std::min(most, limit);
      least = std::max(least, limit);
    }
  }
  const double limit = rules.select == RateSelect::kMax ? most : least;
  return direction > 0 ? std::max(limit, current) : std::min(limit, current);
}

}  // namespace setpoint

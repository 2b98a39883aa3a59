#include "setpoint/rate_limit.hpp"

#include <algorithm>

namespace setpoint {

double step_limit(const StepLimit& step, double current, int direction) {
  const double amount = step.unit == StepLimit::Unit::kPercent ? std::abs(current) * step.amount / 100
                                                                : step.amount;
  return current + direction * amount;
}

double rate_limit(const DirectionRules& rules, const std::deque<std::pair<Nanos, double>>& changes,
                  double current, int direction, Nanos now) {
  if (rules.select == RateSelect::kDisabled) return current;
  double most = current;
  double least = 0;
  bool first = true;
  for (const auto& policy : rules.rate) {
    // Where the value stood when this period began, counting only moves in this direction
    // (as HPA counts replicas added, or removed, in the current period).
    double moved = 0;
    for (const auto& [when, delta] : changes) {
      if (when > now - policy.period && delta * direction > 0) moved += delta;
    }
    const double start = current - moved;
    const double limit = step_limit(policy.limit, start, direction);
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
  // A limit already used up means no move at all this way, never a move back.
  return direction > 0 ? std::max(limit, current) : std::min(limit, current);
}

}  // namespace setpoint

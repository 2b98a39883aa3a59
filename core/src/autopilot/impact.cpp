#include "setpoint/autopilot/impact.hpp"

#include <algorithm>
#include <cmath>

namespace setpoint::autopilot {

std::optional<double> relative_change(double before, double after) {
  if (!std::isfinite(before) || !std::isfinite(after) || before == 0) return std::nullopt;
  return (after - before) / std::fabs(before);
}

double prediction_error(double predicted, double actual, double floor) {
  return std::fabs(actual - predicted) / std::max(std::fabs(predicted), floor);
}

std::optional<Impact> measure(const Expected& expected, std::optional<double> before,
                              std::optional<double> after, double floor, double worse_by) {
  if (!before || !after) return std::nullopt;
  const auto actual = relative_change(*before, *after);
  if (!actual) return std::nullopt;
  Impact impact;
  impact.before = *before;
  impact.after = *after;
  impact.predicted = expected.change;
  impact.actual = *actual;
  impact.error = prediction_error(expected.change, *actual, floor);
  impact.worse = expected.higher_is_worse ? *actual > worse_by : *actual < -worse_by;
  return impact;
}

}  // namespace setpoint::autopilot

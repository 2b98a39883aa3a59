#include "setpoint/stats/comparison.hpp"

namespace setpoint::stats {

Comparison compare(const Sample& control, const Sample& canary) {
  Comparison result;
  result.mann_whitney = mann_whitney(control, canary);
  result.welch = welch(control, canary);
  result.hodges_lehmann = hodges_lehmann(control, canary);
  result.control = summary_quantiles(control);
  result.canary = summary_quantiles(canary);
  return result;
}

}  // namespace setpoint::stats

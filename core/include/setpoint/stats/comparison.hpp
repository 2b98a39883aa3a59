#pragma once
// Everything `setpoint compare` and setpoint.stats.compare report about two samples at once:
// the rank test, the t-test, the shift estimate and each side's quantiles.
#include "setpoint/stats/hodges_lehmann.hpp"
#include "setpoint/stats/mann_whitney.hpp"
#include "setpoint/stats/quantiles.hpp"
#include "setpoint/stats/welch.hpp"

namespace setpoint::stats {

struct Comparison {
  MannWhitney mann_whitney;
  Result<Welch> welch = Error{"not computed"};
  ShiftEstimate hodges_lehmann;
  Quantiles control, canary;
};

Comparison compare(const Sample& control, const Sample& canary);

}  // namespace setpoint::stats

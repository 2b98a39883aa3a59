#pragma once
// What an autopilot change is expected to do, and how far the world agreed. A proposal from a
// cycle says which statistic of which series it expects to move, by how much (a relative
// change: -0.08 is 8 % lower) and how sure it is; after its verify window the engine reads
// the same statistic over the same hours before and after, and scores the prediction.
#include <optional>
#include <string>

#include "setpoint/guard/proposal.hpp"

namespace setpoint::autopilot {

struct Impact {
  double before = 0, after = 0;
  double predicted = 0;  // the expected relative change
  double actual = 0;     // the relative change measured
  double error = 0;      // |actual - predicted| / max(|predicted|, floor)
  bool worse = false;    // moved the bad way by more than allowed: rolled back
};

// (after - before) / |before|; none when before is zero or either is not a number.
std::optional<double> relative_change(double before, double after);
double prediction_error(double predicted, double actual, double floor);
// The impact of a change expected to do `expected`, from the statistic before and after;
// none when there is nothing to compare (no data on one side, a zero baseline). `worse_by`:
// how far the bad way (up when higher is worse) the statistic may move before it is worse.
std::optional<Impact> measure(const Expected& expected, std::optional<double> before,
                              std::optional<double> after, double floor, double worse_by);

}  // namespace setpoint::autopilot

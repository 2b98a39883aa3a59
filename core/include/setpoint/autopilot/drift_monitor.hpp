#pragma once
// The anti-drift monitor: the autopilot watching itself. Over a monitoring window it keeps
// the prediction error of every measured change, which changes were rolled back, and how the
// cycles ended. Past a threshold it trips, once:
//
//   mean prediction error  > prediction_error_threshold  (with at least min_samples measured)
//   rollback rate          > rollback_rate_threshold     (with at least min_samples changes)
//   consecutive failed cycles ≥ consecutive_failures
//
// A trip pauses autopilot for `pause`, doubled for each trip that follows within a window of
// the last pause's end, at most `max_pause`. Facts from before a trip are not counted again
// after it: a pause is not re-tripped by the figures that caused it.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "setpoint/autopilot/sliding_bounds.hpp"
#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint::autopilot {

struct DriftRules {
  double prediction_error_threshold = 0.30;
  double rollback_rate_threshold = 0.10;
  std::uint32_t consecutive_failures = 3;
  std::uint32_t min_samples = 5;
  Nanos window = 14 * kDay;
  Nanos pause = 48 * 3600 * kNanosPerSecond;
  Nanos max_pause = 7 * kDay;
};

// The monitor's figures over its window, as a trip records them and /v1/state shows them.
struct DriftFigures {
  double mean_error = 0;
  std::size_t measured = 0;  // changes with a prediction error
  double rollback_rate = 0;
  std::size_t changes = 0;
  std::size_t rolled_back = 0;
  std::uint32_t consecutive_failures = 0;
};

struct DriftTrip {
  std::string kind;  // prediction_error_high, rollback_rate_high, consecutive_failures
  double value = 0;
  double threshold = 0;
  DriftFigures figures;
  Nanos pause = 0;
  Nanos until = 0;
  std::vector<std::string> parameters;  // whose bounds are contracted
};

class DriftMonitor {
 public:
  void change_applied(std::int64_t decision, const std::string& parameter, Nanos at);
  // A change's impact was measured at `at`: its error counts in the window of its measurement
  // (a day or more after the change), so a verify longer than the window still counts.
  void impact_measured(std::int64_t decision, double error, Nanos at);
  void rolled_back(std::int64_t decision);
  void cycle_ended(Nanos at, bool failed);

  DriftFigures figures(const DriftRules& rules, Nanos now) const;
  // Trips when a threshold is crossed and autopilot is not already paused.
  std::optional<DriftTrip> check(const DriftRules& rules, Nanos now);

  bool paused(Nanos now) const { return now < paused_until_; }
  Nanos paused_until() const { return paused_until_; }
  Nanos last_pause() const { return last_pause_; }
  // An operator lifts the pause; the next trip still doubles from this one.
  bool lift(Nanos now);

  std::string to_json() const;
  static Result<DriftMonitor> from_json(const std::string& text);

 private:
  struct Change {
    std::int64_t decision;
    std::string parameter;
    Nanos at;
    std::optional<double> error;
    bool rolled_back = false;
    Nanos measured_at = 0;
  };
  Nanos counted_from(const DriftRules& rules, Nanos now) const;
  Change* find(std::int64_t decision);
  void forget_before(Nanos t);

  std::deque<Change> changes_;
  std::deque<std::pair<Nanos, bool>> cycles_;  // (ended, failed)
  Nanos last_trip_ = INT64_MIN;
  Nanos paused_until_ = 0;
  Nanos last_pause_ = 0;  // the last trip's pause, doubled by the next trip soon after it
};

}  // namespace setpoint::autopilot

#pragma once
// When a policy runs: every interval on the engine clock, or on a calendar schedule in UTC
// ("daily 03:00", "weekly sun 02:00"), as its file or config says.
#include <optional>
#include <string>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint::runner {

class Schedule {
 public:
  // An interval, or a calendar schedule when `calendar` is not empty; an error when the
  // interval is not positive or the calendar text is not understood.
  static Result<Schedule> make(Nanos every, const std::string& calendar);

  // The first run strictly after `t` (epoch nanoseconds, UTC).
  Nanos next_after(Nanos t) const;
  bool calendar() const { return weekday_ >= -1; }
  std::string text() const;

 private:
  Nanos every_ = 0;
  int weekday_ = -2;  // -2: an interval; -1: daily; 0..6: weekly, Sunday first
  Nanos time_of_day_ = 0;
};

}  // namespace setpoint::runner

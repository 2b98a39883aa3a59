#include "config/schedule.hpp"

#include <array>
#include <cstdio>

#include "setpoint/base/duration.hpp"

namespace setpoint::runner {
namespace {

constexpr Nanos kDay = 86'400 * kNanosPerSecond;
constexpr std::array<const char*, 7> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// 1970-01-01 was a Thursday.
int weekday_of_day(std::int64_t day) { return static_cast<int>(((day % 7) + 7 + 4) % 7); }

bool parse_clock(const std::string& text, Nanos& out) {
  int h = 0, m = 0;
  char tail = 0;
  if (text.size() != 5 || std::sscanf(text.c_str(), "%2d:%2d%c", &h, &m, &tail) != 2) return false;
  if (h < 0 || h > 23 || m < 0 || m > 59) return false;
  out = (h * 3600LL + m * 60LL) * kNanosPerSecond;
  return true;
}

}  // namespace

Result<Schedule> Schedule::make(Nanos every, const std::string& calendar) {
  Schedule s;
  if (calendar.empty()) {
    if (every <= 0) return Error{"the interval must be positive"};
    s.every_ = every;
    return s;
  }
  const auto bad = [&] {
    return Error{"schedule \"" + calendar +
                 "\" is not \"daily HH:MM\" or \"weekly <sun..sat> HH:MM\" (UTC)"};
  };
  if (calendar.rfind("daily ", 0) == 0) {
    if (!parse_clock(calendar.substr(6), s.time_of_day_)) return bad();
    s.weekday_ = -1;
    return s;
  }
  if (calendar.rfind("weekly ", 0) == 0 && calendar.size() == 16 && calendar[10] == ' ') {
    const std::string day = calendar.substr(7, 3);
    for (int d = 0; d < 7; ++d) {
      if (day == kDays[d]) s.weekday_ = d;
    }
    if (s.weekday_ < 0 || !parse_clock(calendar.substr(11), s.time_of_day_)) return bad();
    return s;
  }
  return bad();
}

Nanos Schedule::next_after(Nanos t) const {
  if (!calendar()) return t + every_;
  std::int64_t day = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
  for (;; ++day) {
    const Nanos at = day * kDay + time_of_day_;
    if (at > t && (weekday_ == -1 || weekday_of_day(day) == weekday_)) return at;
  }
}

std::string Schedule::text() const {
  if (!calendar()) return "every " + format_duration(every_);
  char clock[32];
  std::snprintf(clock, sizeof clock, "%02lld:%02lld",
                static_cast<long long>(time_of_day_ / kNanosPerSecond / 3600),
                static_cast<long long>(time_of_day_ / kNanosPerSecond / 60 % 60));
  return weekday_ == -1 ? std::string("daily ") + clock
                        : std::string("weekly ") + kDays[weekday_] + " " + clock;
}

}  // namespace setpoint::runner

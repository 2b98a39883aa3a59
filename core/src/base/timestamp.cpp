#include "setpoint/base/timestamp.hpp"

#include <cmath>
#include <cstdio>

namespace setpoint {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<Nanos> parse_rfc3339_minute(std::string_view s) {
  int year, month, day, hour, minute;
  if (s.size() != 16 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59) {
    return std::nullopt;
  }
  // Nanoseconds since the epoch hold 1677..2262 only; past that the product wraps (a year of
  // 2611 once read as a current event). Telemetry, fixtures and queries live in 1970..2199,
  // the range epoch numbers are read in too.
  if (year < 1970 || year >= 2200) return std::nullopt;
  const std::int64_t days = days_from_civil(year, month, day);
  return (days * 86400 + hour * 3600 + minute * 60) * kNanosPerSecond;
}

std::optional<Nanos> parse_rfc3339_rest(std::string_view s) {
  int second;
  // A leap second (:60) is read as the next second's start, as most systems do.
  if (s.size() < 4 || s[0] != ':' || !digits(s, 1, 2, second) || second > 60) return std::nullopt;
  std::size_t pos = 3;
  Nanos fraction = 0;
  if (s[pos] == '.') {
    ++pos;
    Nanos scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  Nanos offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (oh * 3600 + om * 60) * kNanosPerSecond * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return second * kNanosPerSecond + fraction - offset;
}

std::optional<Nanos> parse_rfc3339(std::string_view s) {
  if (s.size() < 20) return std::nullopt;
  const auto minute = parse_rfc3339_minute(s.substr(0, 16));
  if (!minute) return std::nullopt;
  const auto rest = parse_rfc3339_rest(s.substr(16));
  if (!rest) return std::nullopt;
  return *minute + *rest;
}

std::optional<Nanos> from_epoch_millis(double millis) {
  constexpr double kYear2200 = 7'258'118'400'000.0;
  if (!std::isfinite(millis) || millis < 0 || millis >= kYear2200) return std::nullopt;
  return static_cast<Nanos>(std::llround(millis * 1e6));
}

std::string format_rfc3339(Nanos t) {
  const std::int64_t total_ms =
      t >= 0 ? t / kNanosPerMilli : -((-t + kNanosPerMilli - 1) / kNanosPerMilli);
  const std::int64_t ms = ((total_ms % 1000) + 1000) % 1000;
  const std::int64_t secs = (total_ms - ms) / 1000;
  const std::int64_t sod = ((secs % 86400) + 86400) % 86400;
  int y;
  unsigned m, d;
  civil_from_days((secs - sod) / 86400, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d,
                static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                static_cast<int>(sod % 60), static_cast<int>(ms));
  return buf;
}

}  // namespace setpoint

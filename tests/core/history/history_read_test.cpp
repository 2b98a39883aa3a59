#include "setpoint/history/history_read.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;
using namespace setpoint::history;

namespace {

constexpr Nanos kHour = 3600 * kNanosPerSecond;
constexpr Nanos kDay = 24 * kHour;
constexpr Nanos kDay0 = Nanos{1'795'132'800} * kNanosPerSecond;  // 2026-11-20T00:00:00Z

// An hour of `count` events, `errors` of them failures, every value `value`.
Rollup hour(int n, std::uint64_t count, std::uint64_t errors, double value) {
  Rollup r;
  r.start = kDay0 + n * kHour;
  r.span = kHour;
  r.count = count;
  r.outcomes = {{"ok", count - errors}, {"error", errors}};
  r.value_count = count;
  r.sum = value * static_cast<double>(count);
  r.min = value;
  r.max = value;
  r.bins = {{sketch::bin_of(value), count}};
  return r;
}

}  // namespace

TEST_CASE("history read: by hour, by day, and the whole span from merged bins") {
  // Day one: 23 quiet hours of 100 at 10 ms and one bad hour of 100 at 900 ms; day two: one
  // hour. Hours 24..47 are missing but the one at 30.
  std::vector<Rollup> hours;
  for (int h = 0; h < 23; ++h) hours.push_back(hour(h, 100, 0, 10));
  hours.push_back(hour(23, 100, 50, 900));
  hours.push_back(hour(30, 100, 0, 10));
  const OutcomeSet outcomes;
  sketch::Accumulator scratch;

  const auto by_day = summarize(hours, kDay0, kDay0 + 2 * kDay, kDay, outcomes, scratch);
  CHECK(by_day.hours_asked == 48);
  CHECK(by_day.hours_found == 25);
  REQUIRE(by_day.periods.size() == 2);
  CHECK(by_day.periods[0].start == kDay0);
  CHECK(by_day.periods[0].span == kDay);
  CHECK(by_day.periods[0].hours == 24);
  CHECK(by_day.periods[0].stats.count == 2400);
  CHECK(by_day.periods[0].stats.failures == 50);
  // 2400 events over the 24 hours that held them.
  CHECK(by_day.periods[0].stats.rate_per_s == Approx(2400.0 / 86400));
  CHECK(by_day.periods[1].start == kDay0 + kDay);
  CHECK(by_day.periods[1].hours == 1);
  CHECK(by_day.periods[1].stats.rate_per_s == Approx(100.0 / 3600));  // over its one hour
  // The whole span's p99 is the bad hour's value (the top 4 % of 2500), as merged bins say;
  // an average of the 25 hourly p99s would be about 45 ms.
  CHECK(by_day.total.count == 2500);
  CHECK(by_day.total.p99 == Approx(900).epsilon(0.01));
  CHECK(by_day.total.p50 == Approx(10).epsilon(0.01));
  CHECK(by_day.total.span == 25 * kHour);

  const auto by_hour = summarize(hours, kDay0, kDay0 + 2 * kDay, kHour, outcomes, scratch);
  REQUIRE(by_hour.periods.size() == 25);
  CHECK(by_hour.periods[23].stats.error_rate == 0.5);
  CHECK(by_hour.periods[24].start == kDay0 + 30 * kHour);
}

TEST_CASE("history read: nothing held is said as nothing, not as zeros over the span") {
  const OutcomeSet outcomes;
  sketch::Accumulator scratch;
  const auto none = summarize({}, kDay0, kDay0 + 7 * kDay, kDay, outcomes, scratch);
  CHECK(none.hours_asked == 168);
  CHECK(none.hours_found == 0);
  CHECK(none.periods.empty());
  CHECK(none.total.count == 0);
  CHECK(none.total.span == 0);
  CHECK(std::isnan(none.total.p99));
}

#include "setpoint/history/rollup.hpp"

#include <catch2/catch.hpp>

#include "setpoint/windows/aggregator.hpp"
#include "support/must.hpp"

using namespace setpoint;
using namespace setpoint::history;

namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kHour = 3600 * kSec;
constexpr Nanos kDay0 = Nanos{1'795'132'800} * kSec;  // 2026-11-20T00:00:00Z

// Two hours of a latency series: hour one fast, hour two slow with errors and a few zeros.
struct TwoHours {
  Aggregator aggregator{AggregatorOptions{}};
  sketch::Accumulator scratch;
  const Series* series = nullptr;
  TwoHours() {
    const auto h = aggregator.resolve("http.server", {{"service", "checkout"}});
    for (int i = 0; i < 3600; ++i) h.record(kDay0 + i * kSec, 10.0 + i % 50, OutcomeSet::kOk);
    for (int i = 0; i < 3600; ++i) {
      const Nanos t = kDay0 + kHour + i * kSec;
      h.record(t, i % 100 == 0 ? 0.0 : 200.0 + i % 300,
               i % 10 == 0 ? OutcomeSet::kError : OutcomeSet::kOk);
    }
    aggregator.for_each_series([&](const Series& s) { series = &s; });
  }
  Rollup hour(int n) {
    const Nanos from = kDay0 + n * kHour;
    const auto stats =
        aggregator.read_interval(*series, from, from + kHour, kDay0 + 2 * kHour, scratch);
    REQUIRE(stats);
    return rollup_of(*stats, scratch, aggregator.outcomes(), from);
  }
};

}  // namespace

TEST_CASE("rollup: an hour read from the windows keeps its counts, extremes and bins") {
  TwoHours w;
  const Rollup second = w.hour(1);
  CHECK(second.start == kDay0 + kHour);
  CHECK(second.span == kHour);
  CHECK(second.count == 3600);
  CHECK(second.value_count == 3600);
  CHECK(second.nonpositive == 36);  // i % 100 == 0
  CHECK(second.min == 0);
  CHECK(second.max == 499);
  REQUIRE(second.outcomes.size() == 2);
  CHECK(second.outcomes[0] == std::pair<std::string, std::uint64_t>("ok", 3240));
  CHECK(second.outcomes[1] == std::pair<std::string, std::uint64_t>("error", 360));
  std::uint64_t binned = 0;
  for (const auto& [bin, n] : second.bins) binned += n;
  CHECK(binned + second.nonpositive == second.value_count);
}

TEST_CASE("rollup: two merged hours read exactly as a two-hour window does") {
  TwoHours w;
  Rollup both = w.hour(0);
  merge(both, w.hour(1));
  CHECK(both.start == kDay0);
  CHECK(both.span == 2 * kHour);
  sketch::Accumulator scratch;
  const WindowStats merged = stats_of(both, w.aggregator.outcomes(), scratch);
  const auto direct =
      w.aggregator.read_interval(*w.series, kDay0, kDay0 + 2 * kHour, kDay0 + 2 * kHour, scratch);
  REQUIRE(direct);
  CHECK(merged.count == direct->count);
  CHECK(merged.failures == direct->failures);
  CHECK(merged.sum == direct->sum);
  CHECK(merged.min == direct->min);
  CHECK(merged.max == direct->max);
  CHECK(merged.p50 == direct->p50);
  CHECK(merged.p99 == direct->p99);  // the same bins, not an average of two p99s
  CHECK(merged.error_rate == direct->error_rate);
  CHECK(merged.rate_per_s == direct->rate_per_s);
}

TEST_CASE("rollup: an interval that is not whole buckets, or has expired, is not read") {
  TwoHours w;
  sketch::Accumulator scratch;
  CHECK_FALSE(w.aggregator.read_interval(*w.series, kDay0 + 7 * kSec, kDay0 + kHour,
                                         kDay0 + 2 * kHour, scratch));
  // A day and more later the 5-minute ring no longer holds the first hour.
  CHECK_FALSE(w.aggregator.read_interval(*w.series, kDay0, kDay0 + kHour,
                                         kDay0 + 25 * kHour + kHour, scratch));
}

TEST_CASE("rollup: encode then decode gives the same rollup back, bin for bin") {
  TwoHours w;
  const Rollup hour = w.hour(1);
  const Rollup back = must(decode(encode(hour)));
  CHECK(back.count == hour.count);
  CHECK(back.outcomes == hour.outcomes);
  CHECK(back.value_count == hour.value_count);
  CHECK(back.sum == hour.sum);
  CHECK(back.min == hour.min);
  CHECK(back.max == hour.max);
  CHECK(back.nonpositive == hour.nonpositive);
  CHECK(back.bins == hour.bins);
  CHECK(encode(hour).size() < 600);  // compact: a busy latency hour
  // A counter hour has no values: NaN extremes survive the trip.
  Rollup counter;
  counter.count = 5;
  counter.outcomes = {{"ok", 5}};
  const Rollup empty_back = must(decode(encode(counter)));
  CHECK(std::isnan(empty_back.min));
  CHECK(empty_back.bins.empty());
}

TEST_CASE("rollup: every truncation and a damaged byte are refused, never read past the end") {
  TwoHours w;
  const std::string bytes = encode(w.hour(1));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO(n);
    CHECK_FALSE(decode(std::string_view(bytes).substr(0, n)));
  }
  CHECK(decode(bytes + "x").error() == "a rollup with bytes after its end");
  std::string version = bytes;
  version[0] = 9;
  CHECK(decode(version).error() == "a rollup of an unknown version");
  // A bin delta of zero would make bins go out of order.
  Rollup one;
  one.value_count = 2;
  one.bins = {{5, 1}, {6, 1}};
  std::string repeated = encode(one);
  repeated[repeated.size() - 2] = 0;  // the second delta
  CHECK(decode(repeated).error() == "a rollup cut short or damaged");
}

TEST_CASE("rollup: a row whose counts do not add up is refused, not read as garbage") {
  Rollup r;
  r.count = 3;
  r.outcomes = {{"ok", 3}};
  r.value_count = 2;
  r.min = 1;
  r.max = 2;
  r.bins = {{sketch::bin_of(1.0), 1}, {sketch::bin_of(2.0), 1}};
  REQUIRE(decode(encode(r)));
  Rollup more_outcomes = r;
  more_outcomes.outcomes = {{"ok", 3}, {"error", 1}};
  CHECK(decode(encode(more_outcomes)).error() == "a rollup whose counts do not add up");
  Rollup more_bins = r;
  more_bins.bins.back().second = 5;
  CHECK(decode(encode(more_bins)).error() == "a rollup whose counts do not add up");
  Rollup wrapped = r;
  wrapped.outcomes = {{"ok", ~std::uint64_t{0}}, {"error", 4}};  // sums to 3 past 2^64
  CHECK(decode(encode(wrapped)).error() == "a rollup whose counts do not add up");
  Rollup backwards = r;
  backwards.min = 5;
  CHECK(decode(encode(backwards)).error() == "a rollup whose counts do not add up");
}

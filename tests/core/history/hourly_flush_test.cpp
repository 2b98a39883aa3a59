#include "setpoint/history/hourly_flush.hpp"

#include <catch2/catch.hpp>

#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::history;
using setpoint::testing::TempDir;

namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kHour = 3600 * kSec;
constexpr Nanos kDay0 = Nanos{1'795'132'800} * kSec;  // 2026-11-20T00:00:00Z

// `n` events a minute of `value` from `from` for `minutes`, into series `service`.
void traffic(Aggregator& a, const std::string& service, Nanos from, int minutes, double value) {
  const auto h = a.resolve("http.server", {{"service", service}});
  for (int m = 0; m < minutes; ++m) h.record(from + m * 60 * kSec, value, OutcomeSet::kOk);
}

}  // namespace

TEST_CASE("hourly flush: each closed hour of each series is written once, after its grace") {
  TempDir dir;
  Aggregator aggregator{AggregatorOptions{}};
  HourlyFlush flush(aggregator, must(HistoryStore::open(dir.file("s.db"))), {});
  flush.pass(kDay0 + 10 * kSec);  // a new store starts with the hour in progress
  CHECK(flush.next_hour() == kDay0);
  traffic(aggregator, "checkout", kDay0, 120, 10);
  traffic(aggregator, "search", kDay0 + kHour, 60, 20);
  flush.pass(kDay0 + kHour + 30 * kSec);  // within the grace: not yet
  flush.settle();
  CHECK(flush.counts().hours == 0);
  flush.pass(kDay0 + kHour + 61 * kSec);
  flush.settle();
  CHECK(flush.counts().hours == 1);
  CHECK(flush.counts().rows == 1);  // search had nothing in the first hour
  flush.pass(kDay0 + 2 * kHour + 61 * kSec);
  flush.settle();
  CHECK(flush.counts().hours == 2);
  CHECK(flush.counts().rows == 3);
  flush.pass(kDay0 + 2 * kHour + 62 * kSec);  // the same hour again: nothing
  flush.settle();
  CHECK(flush.counts().rows == 3);

  auto store = must(HistoryStore::open(dir.file("s.db")));
  const auto checkout =
      must(store->read("http.server{service=checkout}", kDay0, kDay0 + 2 * kHour));
  REQUIRE(checkout.size() == 2);
  CHECK(checkout[0].count == 60);
  CHECK(checkout[1].count == 60);
  CHECK(checkout[0].min == 10);
  const auto search = must(store->read("http.server{service=search}", kDay0, kDay0 + 2 * kHour));
  REQUIRE(search.size() == 1);
  CHECK(search[0].start == kDay0 + kHour);
}

TEST_CASE("hourly flush: a restart resumes after the newest hour the store holds") {
  TempDir dir;
  Aggregator aggregator{AggregatorOptions{}};
  traffic(aggregator, "checkout", kDay0, 180, 10);
  {
    HourlyFlush flush(aggregator, must(HistoryStore::open(dir.file("s.db"))), {});
    flush.pass(kDay0);
    flush.pass(kDay0 + kHour + 61 * kSec);
  }  // the destructor finishes the hour in hand
  HourlyFlush again(aggregator, must(HistoryStore::open(dir.file("s.db"))), {});
  again.pass(kDay0 + 3 * kHour + 61 * kSec);
  CHECK(again.next_hour() == kDay0 + 2 * kHour);  // hour 1 first (1 was next), then 2
  again.settle();
  again.pass(kDay0 + 3 * kHour + 62 * kSec);
  again.settle();
  auto store = must(HistoryStore::open(dir.file("s.db")));
  const auto hours = must(store->read("http.server{service=checkout}", kDay0, kDay0 + 3 * kHour));
  REQUIRE(hours.size() == 3);
  for (const auto& h : hours) CHECK(h.count == 60);
}

TEST_CASE("hourly flush: past the series cap the rest are counted; the retention cuts old hours") {
  TempDir dir;
  Aggregator aggregator{AggregatorOptions{}};
  for (const char* s : {"a", "b", "c"}) traffic(aggregator, s, kDay0, 60, 1);
  FlushOptions options;
  options.max_series = 2;
  options.retention = kHour;  // only the newest hour is kept
  HourlyFlush flush(aggregator, must(HistoryStore::open(dir.file("s.db"))), options);
  flush.pass(kDay0);
  flush.pass(kDay0 + kHour + 61 * kSec);
  flush.settle();
  CHECK(flush.counts().rows == 2);
  CHECK(flush.counts().series_dropped == 1);
  traffic(aggregator, "a", kDay0 + kHour, 60, 1);
  flush.pass(kDay0 + 2 * kHour + 61 * kSec);
  flush.settle();
  auto store = must(HistoryStore::open(dir.file("s.db")));
  const auto a = must(store->read("http.server{service=a}", kDay0, kDay0 + 2 * kHour));
  REQUIRE(a.size() == 1);
  CHECK(a[0].start == kDay0 + kHour);
}

TEST_CASE("hourly flush: an hour the store refuses is counted and written a minute later") {
  TempDir dir;
  Aggregator aggregator{AggregatorOptions{}};
  traffic(aggregator, "checkout", kDay0, 60, 10);
  HourlyFlush flush(aggregator, must(HistoryStore::open(dir.file("s.db"))), {});
  flush.pass(kDay0);
  setpoint::testing::rename_table(dir.file("s.db"), "kpi_hourly", "away");
  flush.pass(kDay0 + kHour + 61 * kSec);
  flush.settle();
  CHECK(flush.counts().failures == 1);
  CHECK(flush.last_failure() == "kpi_hourly: no such table: kpi_hourly");
  setpoint::testing::rename_table(dir.file("s.db"), "away", "kpi_hourly");
  flush.pass(kDay0 + kHour + 62 * kSec);  // takes the failure in, waits a minute
  flush.settle();
  CHECK(flush.counts().hours == 0);
  flush.pass(kDay0 + kHour + 123 * kSec);
  flush.settle();
  CHECK(flush.counts().hours == 1);
  auto store = must(HistoryStore::open(dir.file("s.db")));
  CHECK(must(store->read("http.server{service=checkout}", kDay0, kDay0 + kHour)).size() == 1);
}

TEST_CASE("hourly flush: a store holding future hours (a clock stepped ahead) does not stop it") {
  TempDir dir;
  {
    auto store = must(HistoryStore::open(dir.file("s.db")));
    HourRow future;
    future.series = "http.server{service=checkout}";
    future.metric = "http.server";
    future.rollup.start = kDay0 + 100 * kHour;
    future.rollup.span = kHour;
    REQUIRE(store->write({future}));
  }
  Aggregator aggregator{AggregatorOptions{}};
  traffic(aggregator, "checkout", kDay0, 60, 10);
  HourlyFlush flush(aggregator, must(HistoryStore::open(dir.file("s.db"))), {});
  flush.pass(kDay0 + 30 * kSec);
  CHECK(flush.next_hour() == kDay0);
  flush.pass(kDay0 + kHour + 61 * kSec);
  flush.settle();
  CHECK(flush.counts().rows == 1);
}

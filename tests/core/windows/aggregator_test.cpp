#include "setpoint/windows/aggregator.hpp"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

using namespace setpoint;

namespace {
constexpr Nanos kSec = kNanosPerSecond;
const Nanos kBase = Nanos{1'763'000'000} * kSec;  // a November 2025 instant, on a 10 s edge
}  // namespace

TEST_CASE("resolve returns the same series for the same key, from any label order") {
  Aggregator agg({});
  auto a = agg.resolve("http", {{"svc", "a"}, {"az", "1"}});
  auto b = agg.resolve("http", {{"az", "1"}, {"svc", "a"}});
  REQUIRE(a);
  CHECK(a.id() == b.id());
  CHECK(agg.series_count() == 1);
  CHECK(agg.find("http{az=1,svc=a}") == a.id());
  CHECK(!agg.find("http{}"));
}

TEST_CASE("a window read just after a second begins still covers the last second") {
  Aggregator agg({});
  auto h = agg.resolve("rule", {});
  // 100 events a second, for 31 s, stamped every 10 ms.
  for (int i = 0; i < 3100; ++i) h.record(kBase + i * 10 * kNanosPerMilli, OutcomeSet::kOk);
  sketch::Accumulator scratch;
  // 100 ms into the 31st second: the second before it and the 100 ms of this one.
  const auto read = agg.read(h.id(), kBase + 31 * kSec + 100 * kNanosPerMilli, kSec, scratch);
  REQUIRE(read);
  CHECK(read->count == 100);  // the 31st second's events were stamped before 31.0 s
  CHECK(read->span == 1100 * kNanosPerMilli);
  CHECK(read->rate_per_s == Approx(100 / 1.1));
}

TEST_CASE("reads choose the resolution by span") {
  Aggregator agg({});
  auto h = agg.resolve("jobs", {});
  // One event per second for 20 minutes, one in ten a failure.
  for (int s = 0; s < 1200; ++s) {
    h.record(kBase + s * kSec, 2.0 * (s % 50 + 1),
             s % 10 == 0 ? OutcomeSet::kError : OutcomeSet::kOk);
  }
  sketch::Accumulator scratch;
  const Nanos now = kBase + 1199 * kSec;
  auto minute = agg.read(h.id(), now, 60 * kSec, scratch);
  REQUIRE(minute);
  CHECK(minute->count == 60);
  CHECK(minute->outcomes[OutcomeSet::kError] == 6);
  CHECK(minute->failures == 6);
  CHECK(minute->error_rate == Approx(0.1));
  CHECK(minute->success_rate == Approx(0.9));
  CHECK(minute->rate_per_s == Approx(1.0));
  // 10 minutes at 10 s resolution, read 9 s into a bucket: the buckets overlapping the span,
  // from 590 s (the bucket holding now - 600 s) to now, 610 events over the 609 s covered.
  auto ten = agg.read(h.id(), now, 600 * kSec, scratch);
  REQUIRE(ten);
  CHECK(ten->span == 609 * kSec);
  CHECK(ten->count == 610);
  CHECK(ten->value_count == 610);
  CHECK(ten->rate_per_s == Approx(610.0 / 609));
  CHECK(ten->min == 2.0);
  CHECK(ten->max == 100.0);
  CHECK(ten->mean == Approx(51.6557).epsilon(0.0001));
  CHECK(ten->p50 == Approx(52.0).epsilon(0.02));
  CHECK(ten->p99 == Approx(100.0).epsilon(0.01));
  // An hour at 5 minute resolution holds all 1200.
  auto hour = agg.read(h.id(), now, 3600 * kSec, scratch);
  REQUIRE(hour);
  CHECK(hour->count == 1200);
  CHECK(hour->span >= 3600 * kSec);
  CHECK(hour->span < 3900 * kSec);
  CHECK(hour->rate_per_s == Approx(1200.0 * kSec / static_cast<double>(hour->span)));
  // Past every horizon, or not positive: no read.
  CHECK(!agg.read(h.id(), now, 25 * 3600 * kSec, scratch));
  CHECK(!agg.read(h.id(), now, 0, scratch));
}

TEST_CASE("a counter series has counts and no value statistics") {
  Aggregator agg({});
  auto h = agg.resolve("logins", {{"result", "any"}});
  h.record(kBase, OutcomeSet::kOk);
  h.record(kBase, OutcomeSet::kTimeout);
  sketch::Accumulator scratch;
  auto s = agg.read(h.id(), kBase, 10 * kSec, scratch);
  REQUIRE(s);
  CHECK(s->count == 2);
  CHECK(s->value_count == 0);
  CHECK(std::isnan(s->p99));
  CHECK(std::isnan(s->mean));
  CHECK(s->error_rate == 0.5);
}

TEST_CASE("the series cap refuses new series and counts each refusal") {
  AggregatorOptions options;
  options.max_series = 3;
  Aggregator agg(options);
  for (int i = 0; i < 3; ++i) REQUIRE(agg.resolve("m", {{"i", std::to_string(i)}}));
  CHECK_FALSE(agg.resolve("m", {{"i", "3"}}));
  CHECK_FALSE(agg.resolve("m", {{"i", "4"}}));
  CHECK(agg.cardinality_rejections() == 2);
  CHECK(agg.series_count() == 3);
  // Existing series still resolve.
  CHECK(agg.resolve("m", {{"i", "1"}}));
  CHECK(agg.cardinality_rejections() == 2);
}

TEST_CASE("late events are counted per aggregator") {
  Aggregator agg({});
  auto h = agg.resolve("x", {});
  h.record(kBase + 10 * kSec, OutcomeSet::kOk);
  h.record(kBase + 5 * kSec, OutcomeSet::kOk);
  h.record(kBase + 11 * kSec, OutcomeSet::kOk);
  CHECK(agg.late_events() == 1);
  sketch::Accumulator scratch;
  CHECK(agg.read(h.id(), kBase + 10 * kSec, kSec, scratch)->count == 2);
}

TEST_CASE("threads record into their own shards; reads merge them exactly", "[concurrency]") {
  Aggregator agg({});
  constexpr int kThreads = 4;
  constexpr int kEach = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&agg, t] {
      auto shared = agg.resolve("shared", {});
      auto own = agg.resolve("own", {{"t", std::to_string(t)}});
      for (int i = 0; i < kEach; ++i) {
        const Nanos at = kBase + (i % 30) * kSec;
        shared.record(at, static_cast<double>(i % 100 + 1),
                      i % 4 == 0 ? OutcomeSet::kError : OutcomeSet::kOk);
        own.record(at, OutcomeSet::kOk);
      }
    });
  }
  // Read while they write: must neither crash nor exceed the final counts.
  sketch::Accumulator scratch;
  for (int i = 0; i < 50; ++i) {
    if (auto id = agg.find("shared{}")) {
      auto s = agg.read(*id, kBase + 30 * kSec, 60 * kSec, scratch);
      REQUIRE(s);
      CHECK(s->count <= static_cast<std::uint64_t>(kThreads * kEach));
    }
  }
  for (auto& th : threads) th.join();
  auto id = agg.find("shared{}");
  REQUIRE(id);
  auto s = agg.read(*id, kBase + 30 * kSec, 60 * kSec, scratch);
  CHECK(s->count == kThreads * kEach);
  CHECK(s->outcomes[OutcomeSet::kError] == kThreads * kEach / 4);
  CHECK(s->value_count == kThreads * kEach);
  CHECK(s->max == 100);
  CHECK(agg.series_count() == 1 + kThreads);
}

TEST_CASE("list names every series with its labels, in key order") {
  Aggregator agg({});
  agg.resolve("b", {{"k", "v"}});
  agg.resolve("a", {});
  auto all = agg.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].metric == "a");
  CHECK(all[1].key == "b{k=v}");
  CHECK(all[1].labels == Labels{{"k", "v"}});
  std::vector<std::string> keys;
  agg.for_each_series([&](const Series& s) { keys.push_back(s.key); });
  CHECK(keys == std::vector<std::string>{"a{}", "b{k=v}"});
  CHECK(agg.bytes() > 0);
}

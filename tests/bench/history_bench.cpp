// The durable history's costs: the hourly flush per series (windows read, rollup made,
// written to SQLite) and a policy's 7-day read (168 hours decoded and merged by day).
#include <cstdio>
#include <random>

#include "harness.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/history/history_read.hpp"
#include "setpoint/history/hourly_flush.hpp"
#include "support/temp_dir.hpp"

namespace setpoint::bench {
namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kHour = 3600 * kSec;

// Latency-like values: lognormal around 100 ms.
double latency(std::mt19937_64& rng) {
  static std::lognormal_distribution<double> d(4.6, 0.5);
  return d(rng);
}

void flush_benchmark(Figures& figures) {
  const Nanos start = *parse_rfc3339("2026-11-20T00:00:00Z");
  constexpr int kSeries = 1000;
  constexpr int kHours = 3;
  Aggregator aggregator{AggregatorOptions{}};
  std::mt19937_64 rng(7);
  for (int s = 0; s < kSeries; ++s) {
    const auto h = aggregator.resolve("bench.latency", {{"s", std::to_string(s)}});
    for (Nanos t = 0; t < kHours * 3600; ++t) {  // one event a second, busy every hour
      h.record(start + t * kSec, latency(rng), OutcomeSet::kOk);
    }
  }
  testing::TempDir dir;
  auto store = history::HistoryStore::open(dir.file("history.db"));
  if (!store) {
    std::fprintf(stderr, "history bench: %s\n", store.error().c_str());
    return;
  }
  history::HourlyFlush flush(aggregator, std::move(store).value(), {});
  flush.pass(start);
  std::vector<double> per_series;
  for (int hour = 1; hour <= kHours; ++hour) {
    const double began = now_seconds();
    flush.pass(start + hour * kHour + 61 * kSec);
    flush.settle();
    per_series.push_back((now_seconds() - began) * 1e9 / kSeries);
  }
  figures.set("history_rollup_ns_per_series", median(per_series));

  // A policy's 7-day read of one series: 168 hours, merged by day.
  auto reader = history::HistoryStore::open(dir.file("history.db"));
  std::vector<history::HourRow> week;
  const auto hours = reader.value()->read("bench.latency{s=0}", start, start + kHours * kHour);
  if (!hours || hours->size() != kHours) {
    std::fprintf(stderr, "history bench: the flush wrote %zu hours of 3\n",
                 hours ? hours->size() : 0);
    return;
  }
  for (int h = 0; h < 168; ++h) {
    history::HourRow row;
    row.series = "bench.week{}";
    row.metric = "bench.week";
    row.rollup = hours.value()[h % kHours];
    row.rollup.start = start + h * kHour;
    week.push_back(std::move(row));
  }
  (void)reader.value()->write(week);
  sketch::Accumulator scratch;
  const OutcomeSet outcomes;
  std::vector<double> reads;
  for (int i = 0; i < 50; ++i) {
    const double began = now_seconds();
    const auto got = reader.value()->read("bench.week{}", start, start + 168 * kHour);
    const auto answer =
        history::summarize(got.value(), start, start + 168 * kHour, 24 * kHour, outcomes, scratch);
    keep(answer.total.p99);
    reads.push_back((now_seconds() - began) * 1e6);
  }
  figures.set("history_read_7d_us", median(reads));
}

}  // namespace

void history_benchmarks(Figures& figures) {
  if (selected("history")) flush_benchmark(figures);
}

}  // namespace setpoint::bench

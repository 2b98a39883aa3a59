#pragma once
// The aggregator: every series, keyed by metric and labels, each with its sliding windows.
// Any thread may resolve a series and record through the handle it gets; any thread may read.
// The number of series is capped: a series past the cap is refused and counted, so a label
// explosion costs a counter, not the process's memory.
#include <atomic>
#include <deque>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "setpoint/windows/series.hpp"

namespace setpoint {

struct AggregatorOptions {
  WindowConfig windows;
  OutcomeSet outcomes;
  std::size_t max_series = 10'000;
};

// Fills in what follows from the counts and the merged bins: failures, rates, mean, quantiles.
void finish_stats(WindowStats& stats, const OutcomeSet& outcomes, const sketch::Accumulator& acc);

struct SeriesInfo {
  SeriesId id;
  std::string key;
  std::string metric;
  Labels labels;
};

class Aggregator {
 public:
  explicit Aggregator(AggregatorOptions options);

  // The writer's handle on the series (the calling thread's, by default); an empty handle
  // when the series is new and the cap is reached (counted in cardinality_rejections()).
  SeriesHandle resolve(std::string_view metric, const Labels& labels,
                       WriterId writer = this_thread_writer());

  // The window of `span` ending at `now`: the buckets of the finest resolution whose horizon
  // holds the span, the current (partial) bucket included. None when the span is not positive
  // or longer than every horizon. Allocates nothing; `scratch` is reused between reads.
  std::optional<WindowStats> read(SeriesId id, Nanos now, Nanos span,
                                  sketch::Accumulator& scratch) const;
  // The same for a series reached through for_each_series.
  std::optional<WindowStats> read(const Series& series, Nanos now, Nanos span,
                                  sketch::Accumulator& scratch) const;

  // What the series held over [from, to), read from the finest resolution whose buckets tile
  // the interval exactly and still hold it at `now`: for the hourly history, which keeps the
  // bins themselves (in `scratch`) so its rollups merge as buckets do. None when no
  // resolution can (the interval is not a whole number of buckets, or has expired).
  std::optional<WindowStats> read_interval(const Series& series, Nanos from, Nanos to, Nanos now,
                                           sketch::Accumulator& scratch) const;
  std::optional<WindowStats> read_interval(SeriesId id, Nanos from, Nanos to, Nanos now,
                                           sketch::Accumulator& scratch) const {
    return read_interval(*series(id), from, to, now, scratch);
  }

  std::optional<SeriesId> find(std::string_view key) const;
  std::vector<SeriesInfo> list() const;  // in key order
  // Calls fn(const Series&) for every series in key order, without copying them. Series are
  // never removed, so the references stay valid; fn must not resolve new series.
  template <typename Fn>
  void for_each_series(Fn&& fn) const {
    std::shared_lock lock(mutex_);
    for (const auto& [key, id] : by_key_) fn(*series_[id]);
  }
  std::size_t series_count() const;
  std::uint64_t cardinality_rejections() const {
    return cardinality_rejections_.load(std::memory_order_relaxed);
  }
  // Events that arrived older than their series' newest bucket (late or clock went back).
  std::uint64_t late_events() const;
  std::size_t bytes() const;
  const OutcomeSet& outcomes() const { return options_.outcomes; }
  const WindowConfig& windows() const { return options_.windows; }

 private:
  const Series* series(SeriesId id) const;

  AggregatorOptions options_;
  mutable std::shared_mutex mutex_;  // guards the map and the list, not the series' data
  // Ordered, so snapshots come out sorted without a sort; lookups here are the slow path
  // (recording threads keep handles).
  std::map<std::string, SeriesId, std::less<>> by_key_;
  std::deque<std::unique_ptr<Series>> series_;
  std::atomic<std::uint64_t> cardinality_rejections_{0};
};

}  // namespace setpoint

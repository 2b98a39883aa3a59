#include "setpoint/windows/aggregator.hpp"

#include <array>
#include <cassert>
#include <mutex>

namespace setpoint {
namespace {

Shard* shard_of(Series& series, const AggregatorOptions& options, WriterId writer) {
  std::lock_guard lock(series.shards_mutex);
  for (auto& shard : series.shards) {
    if (shard->owner() == writer) return shard.get();
  }
  series.shards.push_back(
      std::make_unique<Shard>(options.windows, options.outcomes.size(), writer));
  return series.shards.back().get();
}

}  // namespace

void finish_stats(WindowStats& stats, const OutcomeSet& outcomes, const sketch::Accumulator& acc) {
  for (std::size_t o = 0; o < outcomes.size(); ++o) {
    if (outcomes.failure(static_cast<OutcomeIndex>(o))) stats.failures += stats.outcomes[o];
  }
  if (stats.count > 0) {
    stats.error_rate = static_cast<double>(stats.failures) / static_cast<double>(stats.count);
    stats.success_rate = 1.0 - stats.error_rate;
  }
  stats.rate_per_s = static_cast<double>(stats.count) * kNanosPerSecond / stats.span;
  if (stats.value_count == 0) return;
  stats.mean = stats.sum / static_cast<double>(stats.value_count);
  static constexpr std::array<double, 4> kQuantiles = {0.50, 0.90, 0.95, 0.99};
  std::array<double, 4> values;
  acc.quantiles(kQuantiles, stats.min, stats.max, values);
  stats.p50 = values[0];
  stats.p90 = values[1];
  stats.p95 = values[2];
  stats.p99 = values[3];
}

Aggregator::Aggregator(AggregatorOptions options) : options_(std::move(options)) {
  assert(options_.windows.validate().empty());
}

SeriesHandle Aggregator::resolve(std::string_view metric, const Labels& labels, WriterId writer) {
  std::string key = series_key(metric, labels);
  Series* found = nullptr;
  {
    std::shared_lock lock(mutex_);
    if (auto it = by_key_.find(key); it != by_key_.end()) found = series_[it->second].get();
  }
  if (found == nullptr) {
    std::unique_lock lock(mutex_);
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      found = series_[it->second].get();
    } else if (series_.size() >= options_.max_series) {
      cardinality_rejections_.fetch_add(1, std::memory_order_relaxed);
      return {};
    } else {
      auto id = static_cast<SeriesId>(series_.size());
      auto series = std::make_unique<Series>();
      series->id = id;
      series->key = key;
      series->metric = std::string(metric);
      series->labels = labels;
      found = series.get();
      series_.push_back(std::move(series));
      by_key_.emplace(std::move(key), id);
    }
  }
  return SeriesHandle(found->id, shard_of(*found, options_, writer));
}

const Series* Aggregator::series(SeriesId id) const {
  std::shared_lock lock(mutex_);
  assert(id < series_.size());
  return series_[id].get();
}

std::optional<WindowStats> Aggregator::read(SeriesId id, Nanos now, Nanos span,
                                            sketch::Accumulator& scratch) const {
  return read(*series(id), now, span, scratch);
}

std::optional<WindowStats> Aggregator::read(const Series& s, Nanos now, Nanos span,
                                            sketch::Accumulator& scratch) const {
  if (span <= 0) return std::nullopt;
  const auto resolution = options_.windows.resolution_for(span);
  if (!resolution) return std::nullopt;
  // The buckets that overlap [now - span, now]: the oldest may begin before now - span (by
  // less than a bucket), the newest is still filling. So a window holds at least its span —
  // a "1s" window read at 31.1 s covers 30.0 to 31.1 — and its rate is over the time covered.
  const Nanos width = options_.windows.resolutions[*resolution].width;
  const std::int64_t first = detail::floor_div(now - span, width);
  const auto buckets = static_cast<std::uint32_t>(detail::floor_div(now, width) - first + 1);

  WindowStats stats;
  stats.span = std::max<Nanos>(span, now - first * width);
  scratch.reset();
  {
    std::lock_guard list_lock(s.shards_mutex);
    for (const auto& shard : s.shards) {
      std::lock_guard read_lock(shard->read_mutex());
      shard->ring(*resolution).accumulate(now, buckets, stats, scratch);
    }
  }
  finish_stats(stats, options_.outcomes, scratch);
  return stats;
}

std::optional<WindowStats> Aggregator::read_interval(const Series& s, Nanos from, Nanos to,
                                                     Nanos now,
                                                     sketch::Accumulator& scratch) const {
  if (to <= from) return std::nullopt;
  const auto& resolutions = options_.windows.resolutions;
  for (std::size_t r = 0; r < resolutions.size(); ++r) {
    const Nanos width = resolutions[r].width;
    if (from % width != 0 || to % width != 0) continue;
    // The oldest bucket still in the ring at `now` must be no later than `from`'s.
    const std::int64_t oldest = detail::floor_div(now, width) - resolutions[r].slots + 1;
    if (from / width < oldest) continue;
    WindowStats stats;
    stats.span = to - from;
    scratch.reset();
    const auto buckets = static_cast<std::uint32_t>((to - from) / width);
    {
      std::lock_guard list_lock(s.shards_mutex);
      for (const auto& shard : s.shards) {
        std::lock_guard read_lock(shard->read_mutex());
        shard->ring(r).accumulate(to - 1, buckets, stats, scratch);
      }
    }
    finish_stats(stats, options_.outcomes, scratch);
    return stats;
  }
  return std::nullopt;
}

std::optional<SeriesId> Aggregator::find(std::string_view key) const {
  std::shared_lock lock(mutex_);
  if (auto it = by_key_.find(key); it != by_key_.end()) return it->second;
  return std::nullopt;
}

std::vector<SeriesInfo> Aggregator::list() const {
  std::shared_lock lock(mutex_);
  std::vector<SeriesInfo> out;
  out.reserve(series_.size());
  for (const auto& [key, id] : by_key_) {
    const Series& s = *series_[id];
    out.push_back({s.id, s.key, s.metric, s.labels});
  }
  return out;
}

std::size_t Aggregator::series_count() const {
  std::shared_lock lock(mutex_);
  return series_.size();
}

std::uint64_t Aggregator::late_events() const {
  std::shared_lock lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& s : series_) {
    std::lock_guard list_lock(s->shards_mutex);
    for (const auto& shard : s->shards) total += shard->late_events();
  }
  return total;
}

std::size_t Aggregator::bytes() const {
  std::shared_lock lock(mutex_);
  std::size_t total = sizeof(Aggregator);
  for (const auto& s : series_) {
    total += sizeof(Series) + s->key.capacity() + s->metric.capacity();
    for (const auto& [k, v] : s->labels)
      total += sizeof(k) + k.capacity() + sizeof(v) + v.capacity();
    std::lock_guard list_lock(s->shards_mutex);
    for (const auto& shard : s->shards) {
      std::lock_guard read_lock(shard->read_mutex());
      total += shard->bytes();
    }
    total += s->key.capacity() + 32;  // the map's copy of the key and its node
  }
  return total;
}

}  // namespace setpoint

#include "setpoint/window.hpp"

#include <algorithm>

namespace setpoint {

std::optional<std::size_t> WindowConfig::resolution_for(Nanos span) const {
  for (std::size_t i = 0; i < resolutions.size(); ++i) {
    if (span <= resolutions[i].horizon()) return i;
  }
  return std::nullopt;
}

std::string WindowConfig::validate() const {
  if (resolutions.empty()) return "at least one resolution is needed";
  for (std::size_t i = 0; i < resolutions.size(); ++i) {
    const auto& r = resolutions[i];
    if (r.width <= 0) return "resolution " + std::to_string(i) + ": width must be positive";
    if (r.slots == 0 || r.slots > 100'000) {
      return "resolution " + std::to_string(i) + ": slots must be between 1 and 100000";
    }
    if (i > 0 && r.width <= resolutions[i - 1].width) {
      return "resolution " + std::to_string(i) + ": widths must grow from finest to coarsest";
    }
  }
  return {};
}

struct Ring::Values {
  explicit Values(std::uint32_t slots)
      : count(new std::atomic<std::uint64_t>[slots]),
        sum(new std::atomic<double>[slots]),
        min(new std::atomic<double>[slots]),
        max(new std::atomic<double>[slots]),
        bins(new std::atomic<sketch::Bins*>[slots]) {
    for (std::uint32_t i = 0; i < slots; ++i) {
      count[i].store(0, std::memory_order_relaxed);
      sum[i].store(0, std::memory_order_relaxed);
      min[i].store(std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
      max[i].store(-std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
      bins[i].store(nullptr, std::memory_order_relaxed);
    }
  }
  std::unique_ptr<std::atomic<std::uint64_t>[]> count;
  std::unique_ptr<std::atomic<double>[]> sum;
  std::unique_ptr<std::atomic<double>[]> min;
  std::unique_ptr<std::atomic<double>[]> max;
  std::unique_ptr<std::atomic<sketch::Bins*>[]> bins;
};

Ring::Ring(Resolution resolution, std::size_t outcomes)
    : resolution_(resolution),
      outcome_count_(outcomes),
      outcomes_(new std::atomic<std::uint32_t>[resolution.slots * outcomes]) {
  for (std::size_t i = 0; i < resolution.slots * outcomes; ++i) {
    outcomes_[i].store(0, std::memory_order_relaxed);
  }
  // No bucket yet: an empty cache range sends the first record to the slow path.
  cur_start_ = std::numeric_limits<Nanos>::max();
  cur_end_ = std::numeric_limits<Nanos>::min();
}

Ring::~Ring() {
  Values* values = values_.load(std::memory_order_relaxed);
  if (values == nullptr) return;
  for (std::uint32_t i = 0; i < resolution_.slots; ++i) {
    sketch::Bins::destroy(values->bins[i].load(std::memory_order_relaxed));
  }
  delete values;
}

std::uint32_t Ring::slot_for_slow(Nanos t, bool& late) {
  const std::int64_t bucket = detail::floor_div(t, resolution_.width);
  const std::int64_t head = head_.load(std::memory_order_relaxed);
  if (head != kEmpty && bucket < head) {
    // Time went backwards (a late event or a clock step): count it now, and say so.
    late = true;
    return cur_slot_;
  }
  if (head != kEmpty) {
    const std::int64_t gap = std::min<std::int64_t>(bucket - head, resolution_.slots);
    for (std::int64_t i = 1; i <= gap; ++i) {
      clear_slot(detail::floor_mod(bucket - gap + i, resolution_.slots));
    }
  }
  head_.store(bucket, std::memory_order_release);
  cur_start_ = bucket * resolution_.width;
  cur_end_ = cur_start_ + resolution_.width;
  cur_slot_ = detail::floor_mod(bucket, resolution_.slots);
  return cur_slot_;
}

void Ring::clear_slot(std::uint32_t slot) {
  for (std::size_t o = 0; o < outcome_count_; ++o) {
    outcomes_[slot * outcome_count_ + o].store(0, std::memory_order_relaxed);
  }
  Values* values = values_.load(std::memory_order_relaxed);
  if (values == nullptr) return;
  values->count[slot].store(0, std::memory_order_relaxed);
  values->sum[slot].store(0, std::memory_order_relaxed);
  values->min[slot].store(std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
  values->max[slot].store(-std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
  if (auto* bins = values->bins[slot].load(std::memory_order_relaxed)) bins->clear();
}

Ring::Values* Ring::values_or_make() {
  Values* values = values_.load(std::memory_order_relaxed);
  if (values == nullptr) {
    values = new Values(resolution_.slots);
    values_.store(values, std::memory_order_release);
  }
  return values;
}

void Ring::add_value(std::uint32_t slot, double value, std::vector<sketch::Bins*>& retired) {
  Values* values = values_or_make();
  detail::bump(values->count[slot], std::uint64_t{1});
  detail::bump(values->sum[slot], value);
  if (value < values->min[slot].load(std::memory_order_relaxed)) {
    values->min[slot].store(value, std::memory_order_relaxed);
  }
  if (value > values->max[slot].load(std::memory_order_relaxed)) {
    values->max[slot].store(value, std::memory_order_relaxed);
  }
  if (!(value > 0)) return;  // zero and negatives are counted, not binned
  const int bin = sketch::bin_of(value);
  sketch::Bins* bins = values->bins[slot].load(std::memory_order_relaxed);
  if (bins == nullptr || !bins->covers(bin)) {
    sketch::Bins* grown = bins == nullptr ? sketch::Bins::make(std::max(0, bin - 8), 17)
                                          : bins->grown_to(bin, bin);
    if (grown->lo() + grown->size() > sketch::kBins) {  // make() near the top end
      sketch::Bins::destroy(grown);
      grown = sketch::Bins::make(sketch::kBins - 17, 17);
    }
    values->bins[slot].store(grown, std::memory_order_release);
    if (bins != nullptr) retired.push_back(bins);
    bins = grown;
  }
  bins->add(bin);
}

void Ring::accumulate(Nanos now, std::uint32_t k, WindowStats& stats,
                      sketch::Accumulator& acc) const {
  const std::int64_t head = head_.load(std::memory_order_acquire);
  if (head == kEmpty || k == 0) return;
  const std::int64_t last = detail::floor_div(now, resolution_.width);
  const std::int64_t first = std::max<std::int64_t>(last - k + 1, head - resolution_.slots + 1);
  const std::int64_t end = std::min(last, head);
  const Values* values = values_.load(std::memory_order_acquire);
  for (std::int64_t b = first; b <= end; ++b) {
    const std::uint32_t slot = detail::floor_mod(b, resolution_.slots);
    for (std::size_t o = 0; o < outcome_count_; ++o) {
      const auto n = outcomes_[slot * outcome_count_ + o].load(std::memory_order_relaxed);
      stats.outcomes[o] += n;
      stats.count += n;
    }
    if (values == nullptr) continue;
    const auto n = values->count[slot].load(std::memory_order_relaxed);
    if (n == 0) continue;
    stats.value_count += n;
    stats.sum += values->sum[slot].load(std::memory_order_relaxed);
    const double lo = values->min[slot].load(std::memory_order_relaxed);
    const double hi = values->max[slot].load(std::memory_order_relaxed);
    if (!(stats.min <= lo)) stats.min = lo;  // also replaces the initial NaN
    if (!(stats.max >= hi)) stats.max = hi;
    const std::uint64_t before = acc.total();
    if (const auto* bins = values->bins[slot].load(std::memory_order_acquire)) acc.add(*bins);
    const std::uint64_t binned = acc.total() - before;
    if (n > binned) acc.add_nonpositive(n - binned);
  }
}

std::size_t Ring::bytes() const {
  std::size_t total = sizeof(Ring) + sizeof(std::atomic<std::uint32_t>) * resolution_.slots *
                                         outcome_count_;
  const Values* values = values_.load(std::memory_order_acquire);
  if (values == nullptr) return total;
  total += sizeof(Values) + resolution_.slots * (8 + 8 + 8 + 8 + sizeof(void*));
  for (std::uint32_t i = 0; i < resolution_.slots; ++i) {
    if (const auto* bins = values->bins[i].load(std::memory_order_acquire)) total += bins->bytes();
  }
  return total;
}

}  // namespace setpoint

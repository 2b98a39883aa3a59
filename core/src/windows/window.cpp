#include "setpoint/windows/window.hpp"

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

// One slot's value statistics, together so that recording touches one cache line per ring.
struct Ring::ValueSlot {
  std::atomic<std::uint64_t> count{0};
  std::atomic<double> sum{0};
  std::atomic<double> min{std::numeric_limits<double>::infinity()};
  std::atomic<double> max{-std::numeric_limits<double>::infinity()};
  std::atomic<sketch::Bins*> bins{nullptr};
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
  ValueSlot* values = values_.load(std::memory_order_relaxed);
  if (values == nullptr) return;
  for (std::uint32_t i = 0; i < resolution_.slots; ++i) {
    sketch::Bins::destroy(values[i].bins.load(std::memory_order_relaxed));
  }
  delete[] values;
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
  ValueSlot* values = values_.load(std::memory_order_relaxed);
  if (values == nullptr) return;
  ValueSlot& v = values[slot];
  v.count.store(0, std::memory_order_relaxed);
  v.sum.store(0, std::memory_order_relaxed);
  v.min.store(std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
  v.max.store(-std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
  if (auto* bins = v.bins.load(std::memory_order_relaxed)) bins->clear();
}

void Ring::add_value(std::uint32_t slot, double value, int bin,
                     std::vector<sketch::Bins*>& retired) {
  ValueSlot* values = values_.load(std::memory_order_relaxed);
  if (values == nullptr) {
    values = new ValueSlot[resolution_.slots];
    values_.store(values, std::memory_order_release);
  }
  ValueSlot& v = values[slot];
  detail::bump(v.count, std::uint64_t{1});
  detail::bump(v.sum, value);
  if (value < v.min.load(std::memory_order_relaxed)) v.min.store(value, std::memory_order_relaxed);
  if (value > v.max.load(std::memory_order_relaxed)) v.max.store(value, std::memory_order_relaxed);
  if (bin < 0) return;  // zero and negatives are counted, not binned
  sketch::Bins* bins = v.bins.load(std::memory_order_relaxed);
  if (bins == nullptr || !bins->covers(bin)) {
    sketch::Bins* grown = bins == nullptr ? sketch::Bins::around(bin) : bins->grown_to(bin, bin);
    v.bins.store(grown, std::memory_order_release);
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
  const ValueSlot* values = values_.load(std::memory_order_acquire);
  for (std::int64_t b = first; b <= end; ++b) {
    const std::uint32_t slot = detail::floor_mod(b, resolution_.slots);
    for (std::size_t o = 0; o < outcome_count_; ++o) {
      const auto n = outcomes_[slot * outcome_count_ + o].load(std::memory_order_relaxed);
      stats.outcomes[o] += n;
      stats.count += n;
    }
    if (values == nullptr) continue;
    const ValueSlot& v = values[slot];
    const auto n = v.count.load(std::memory_order_relaxed);
    if (n == 0) continue;
    stats.value_count += n;
    stats.sum += v.sum.load(std::memory_order_relaxed);
    const double lo = v.min.load(std::memory_order_relaxed);
    const double hi = v.max.load(std::memory_order_relaxed);
    if (!(stats.min <= lo)) stats.min = lo;  // also replaces the initial NaN
    if (!(stats.max >= hi)) stats.max = hi;
    const std::uint64_t before = acc.total();
    if (const auto* bins = v.bins.load(std::memory_order_acquire)) acc.add(*bins);
    const std::uint64_t binned = acc.total() - before;
    if (n > binned) acc.add_nonpositive(n - binned);
  }
}

std::size_t Ring::bytes() const {
  std::size_t total =
      sizeof(Ring) + sizeof(std::atomic<std::uint32_t>) * resolution_.slots * outcome_count_;
  const ValueSlot* values = values_.load(std::memory_order_acquire);
  if (values == nullptr) return total;
  total += resolution_.slots * sizeof(ValueSlot);
  for (std::uint32_t i = 0; i < resolution_.slots; ++i) {
    if (const auto* bins = values[i].bins.load(std::memory_order_acquire)) total += bins->bytes();
  }
  return total;
}

}  // namespace setpoint

#pragma once
// Sliding windows: per resolution, a ring of fixed-width buckets. A bucket holds the count
// per outcome and, once the series has seen a value, the value's sum, min, max and a quantile
// sketch. Old buckets expire lazily: a ring only remembers the index of its newest bucket
// (head), and a read ignores slots that fell out of [head - slots + 1, head].
//
// A ring has a single writer (the thread that owns its Shard). Readers may read while it is
// written: every field is an atomic read and written with relaxed order, so a read concurrent
// with recording sees each event either in full or partly (counts before the value), which a
// monitoring read tolerates, and never sees freed memory.
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setpoint/base/clock.hpp"
#include "setpoint/windows/outcomes.hpp"
#include "setpoint/windows/sketch.hpp"

namespace setpoint {

struct Resolution {
  Nanos width;
  std::uint32_t slots;
  Nanos horizon() const { return width * static_cast<Nanos>(slots); }
};

struct WindowConfig {
  // 1 s × 60, 10 s × 90, 5 min × 288: the last minute by the second, the last 15 minutes by
  // ten seconds, the last day by five minutes.
  std::vector<Resolution> resolutions{
      {kNanosPerSecond, 60}, {10 * kNanosPerSecond, 90}, {300 * kNanosPerSecond, 288}};
  // The finest resolution whose horizon holds `span`; none when the span is longer than all.
  std::optional<std::size_t> resolution_for(Nanos span) const;
  // Empty when valid, else what is wrong.
  std::string validate() const;
};

// What a read of one series over one span returns: plain numbers, copied out.
struct WindowStats {
  Nanos span = 0;  // the time the read covers: the span asked for, or up to a bucket more
  std::uint64_t count = 0;
  std::array<std::uint64_t, OutcomeSet::kMax> outcomes{};
  std::uint64_t failures = 0;
  std::uint64_t value_count = 0;  // events that carried a value
  double sum = 0;
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  double mean = std::numeric_limits<double>::quiet_NaN();
  double p50 = std::numeric_limits<double>::quiet_NaN();
  double p90 = std::numeric_limits<double>::quiet_NaN();
  double p95 = std::numeric_limits<double>::quiet_NaN();
  double p99 = std::numeric_limits<double>::quiet_NaN();
  double rate_per_s = 0;    // count / span
  double error_rate = 0;    // failures / count (0 when count is 0)
  double success_rate = 0;  // 1 - error_rate when count > 0, else 0
};

namespace detail {
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
inline std::uint32_t floor_mod(std::int64_t a, std::uint32_t n) {
  std::int64_t r = a % static_cast<std::int64_t>(n);
  return static_cast<std::uint32_t>(r < 0 ? r + n : r);
}
template <typename T>
inline void bump(std::atomic<T>& a, T by) {
  // Single writer: a plain load and store, no locked instruction.
  a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}
}  // namespace detail

class Ring {
 public:
  static constexpr std::int64_t kEmpty = std::numeric_limits<std::int64_t>::min();

  Ring(Resolution resolution, std::size_t outcomes);
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // The slot that an event at time t goes into. An event older than the newest bucket goes
  // into the newest bucket and sets `late`.
  std::uint32_t slot_for(Nanos t, bool& late) {
    if (t >= cur_start_ && t < cur_end_) return cur_slot_;
    return slot_for_slow(t, late);
  }
  void add_outcome(std::uint32_t slot, OutcomeIndex outcome) {
    detail::bump(outcomes_[slot * outcome_count_ + outcome], std::uint32_t{1});
  }
  // Records a finite value whose sketch bin is `bin` (negative for zero and negative values,
  // which are counted but not binned). Grown sketch bins replace old ones, which go to
  // `retired` for the owner to free once no reader can hold them.
  void add_value(std::uint32_t slot, double value, int bin, std::vector<sketch::Bins*>& retired);

  // Adds buckets [now - k + 1, now] (in bucket units) to the stats and the sketch scratch.
  void accumulate(Nanos now, std::uint32_t k, WindowStats& stats, sketch::Accumulator& acc) const;

  const Resolution& resolution() const { return resolution_; }
  std::size_t bytes() const;

 private:
  struct ValueSlot;  // per-slot value statistics, allocated on the first value
  std::uint32_t slot_for_slow(Nanos t, bool& late);
  void clear_slot(std::uint32_t slot);

  Resolution resolution_;
  std::size_t outcome_count_;
  std::atomic<std::int64_t> head_{kEmpty};
  // Writer-only cache of the newest bucket, so most records skip the division.
  Nanos cur_start_ = 0;
  Nanos cur_end_ = 0;
  std::uint32_t cur_slot_ = 0;
  std::unique_ptr<std::atomic<std::uint32_t>[]> outcomes_;  // slots × outcome_count_
  std::atomic<ValueSlot*> values_{nullptr};
};

}  // namespace setpoint

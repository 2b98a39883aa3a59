#pragma once
// A mergeable quantile sketch in the DDSketch family: values map to logarithmic bins whose
// width is a fixed fraction of their value, so any quantile read back is within a fixed
// relative error of the true one, and merging two sketches is adding their bins.
//
// The index is read straight off the IEEE-754 bits (exponent, then the top 6 mantissa bits),
// so recording costs a few integer operations instead of a log(). Each octave is cut into 64
// equal parts; a bin's representative is the harmonic mean of its edges, which bounds the
// relative error by 1/129 ≈ 0.78 % (the target is 1 %).
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>

namespace setpoint::sketch {

constexpr int kSubBits = 6;
constexpr int kSubBins = 1 << kSubBits;
// Values from 2^-30 (about 1e-9) to 2^40 (about 1e12) are resolved; values outside fall in
// the first or last bin. In milliseconds that is picoseconds to decades; 1 µs to 1 h fits.
constexpr int kMinExponent = -30;
constexpr int kMaxExponent = 40;
constexpr int kBins = (kMaxExponent - kMinExponent) * kSubBins;
constexpr double kRelativeError = 1.0 / (2 * kSubBins + 1);

// The bin of a positive finite value.
inline int bin_of(double value) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const int sub = static_cast<int>((bits >> (52 - kSubBits)) & (kSubBins - 1));
  const int bin = (exponent - kMinExponent) * kSubBins + sub;
  return bin < 0 ? 0 : (bin >= kBins ? kBins - 1 : bin);
}

// The value that stands for every value in the bin.
double value_of(int bin);

// One bucket's bins: a dense run [lo, lo + size) of counts, grown by its single writer.
// Readers may read it while it is written (the counts are atomics); it is never resized in
// place: growing makes a new one and the old one is retired (see Shard).
class Bins {
 public:
  static Bins* make(int lo, int size);
  // A small run of bins centred on `bin`, for a bucket's first value.
  static Bins* around(int bin);
  static void destroy(Bins* bins);
  // A copy covering at least [lo, hi], keeping these counts.
  Bins* grown_to(int lo, int hi) const;

  int lo() const { return lo_; }
  int size() const { return size_; }
  bool covers(int bin) const { return bin >= lo_ && bin < lo_ + size_; }
  void add(int bin) {
    auto& c = counts_[bin - lo_];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  std::uint32_t count(int i) const { return counts_[i].load(std::memory_order_relaxed); }
  void clear();
  std::size_t bytes() const;

 private:
  Bins(int lo, int size) : lo_(lo), size_(size) {}
  int lo_;
  int size_;
  std::atomic<std::uint32_t> counts_[1];  // really size_ of them
};

// Scratch space where window reads merge bins and read quantiles back. Fixed size, reused
// from read to read, so a window read allocates nothing.
class Accumulator {
 public:
  Accumulator();
  void reset();
  void add(const Bins& bins);
  void add_nonpositive(std::uint64_t n) {
    nonpositive_ += n;
    total_ += n;
  }
  std::uint64_t total() const { return total_; }
  // Zero and negative values: counted, not binned.
  std::uint64_t nonpositive() const { return nonpositive_; }
  // Adds `n` values of bin `bin` (a rollup read back from the store).
  void add_bin(int bin, std::uint64_t n);
  // Calls fn(bin, count) for every bin holding values, in ascending order.
  template <typename Fn>
  void for_each_bin(Fn&& fn) const {
    for (int b = lo_; b <= hi_; ++b) {
      if (const std::uint64_t n = (*counts_)[b]; n > 0) fn(b, n);
    }
  }
  // The q-quantile (0 ≤ q ≤ 1) of what was added, clamped to [lo, hi] (the exact min and
  // max, which make the extremes exact). NaN when empty.
  double quantile(double q, double lo, double hi) const;
  // Several quantiles, `qs` ascending, in one walk over the bins.
  void quantiles(std::span<const double> qs, double lo, double hi, std::span<double> out) const;

 private:
  std::unique_ptr<std::array<std::uint64_t, kBins>> counts_;
  std::uint64_t nonpositive_ = 0;
  std::uint64_t total_ = 0;
  int lo_ = kBins;
  int hi_ = -1;
};

}  // namespace setpoint::sketch

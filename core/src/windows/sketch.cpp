#include "setpoint/windows/sketch.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <new>

namespace setpoint::sketch {

double value_of(int bin) {
  const int exponent = bin / kSubBins + kMinExponent;
  const int sub = bin % kSubBins;
  const double lower = std::ldexp(1.0 + static_cast<double>(sub) / kSubBins, exponent);
  const double upper = std::ldexp(1.0 + static_cast<double>(sub + 1) / kSubBins, exponent);
  return 2.0 * lower * upper / (lower + upper);
}

Bins* Bins::make(int lo, int size) {
  assert(size > 0 && lo >= 0 && lo + size <= kBins);
  const std::size_t bytes = sizeof(Bins) + sizeof(std::atomic<std::uint32_t>) * (size - 1);
  void* memory = ::operator new(bytes);
  auto* bins = new (memory) Bins(lo, size);
  for (int i = 1; i < size; ++i) new (&bins->counts_[i]) std::atomic<std::uint32_t>(0);
  bins->counts_[0].store(0, std::memory_order_relaxed);
  return bins;
}

Bins* Bins::around(int bin) {
  constexpr int kSize = 17;
  return make(std::clamp(bin - kSize / 2, 0, kBins - kSize), kSize);
}

void Bins::destroy(Bins* bins) {
  if (bins == nullptr) return;
  bins->~Bins();
  ::operator delete(bins);
}

Bins* Bins::grown_to(int lo, int hi) const {
  // Grow with some slack so a drifting distribution does not reallocate on every new bin.
  constexpr int kSlack = 16;
  const int new_lo = std::max(0, std::min(lo, lo_) - kSlack);
  const int new_hi = std::min(kBins - 1, std::max(hi, lo_ + size_ - 1) + kSlack);
  Bins* bigger = make(new_lo, new_hi - new_lo + 1);
  for (int i = 0; i < size_; ++i) {
    bigger->counts_[lo_ + i - new_lo].store(count(i), std::memory_order_relaxed);
  }
  return bigger;
}

void Bins::clear() {
  for (int i = 0; i < size_; ++i) counts_[i].store(0, std::memory_order_relaxed);
}

std::size_t Bins::bytes() const {
  return sizeof(Bins) + sizeof(std::atomic<std::uint32_t>) * (size_ - 1);
}

Accumulator::Accumulator() : counts_(std::make_unique<std::array<std::uint64_t, kBins>>()) {
  counts_->fill(0);
}

void Accumulator::reset() {
  if (hi_ >= lo_) std::fill(counts_->begin() + lo_, counts_->begin() + hi_ + 1, 0);
  nonpositive_ = 0;
  total_ = 0;
  lo_ = kBins;
  hi_ = -1;
}

void Accumulator::add(const Bins& bins) {
  auto& counts = *counts_;
  const int lo = bins.lo();
  int first = -1;
  int last = -1;
  for (int i = 0; i < bins.size(); ++i) {
    const std::uint32_t c = bins.count(i);
    if (c == 0) continue;
    counts[lo + i] += c;
    total_ += c;
    if (first < 0) first = lo + i;
    last = lo + i;
  }
  if (first >= 0) {
    lo_ = std::min(lo_, first);
    hi_ = std::max(hi_, last);
  }
}

void Accumulator::add_bin(int bin, std::uint64_t n) {
  if (bin < 0 || bin >= kBins || n == 0) return;
  (*counts_)[bin] += n;
  total_ += n;
  lo_ = std::min(lo_, bin);
  hi_ = std::max(hi_, bin);
}

double Accumulator::quantile(double q, double lo, double hi) const {
  double out;
  quantiles(std::span<const double>(&q, 1), lo, hi, std::span<double>(&out, 1));
  return out;
}

void Accumulator::quantiles(std::span<const double> qs, double lo, double hi,
                            std::span<double> out) const {
  assert(qs.size() == out.size());
  std::uint64_t seen = nonpositive_;
  int bin = lo_;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (total_ == 0) {
      out[i] = std::nan("");
      continue;
    }
    // The rank of the q-quantile among total_ sorted values, 0-based (as DDSketch defines it);
    // the first and last ranks are the exact min and max.
    const auto rank =
        static_cast<std::uint64_t>(std::clamp(qs[i], 0.0, 1.0) * static_cast<double>(total_ - 1));
    if (rank == 0) {
      out[i] = lo;
    } else if (rank == total_ - 1) {
      out[i] = hi;
    } else if (rank < nonpositive_) {
      out[i] = lo;
    } else {
      // Walk on from where the previous (smaller) quantile stopped.
      while (bin < hi_ && seen + (*counts_)[bin] <= rank) seen += (*counts_)[bin++];
      out[i] = std::clamp(value_of(bin), lo, hi);
    }
  }
}

}  // namespace setpoint::sketch

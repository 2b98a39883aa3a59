#pragma once
// The Hodges–Lehmann estimate of the shift from control to canary: the median of all m·n
// pairwise differences canary − control, with the distribution-free confidence interval that
// inverts the Mann-Whitney test (Bauer 1972): [D(k), D(m·n + 1 − k)] in the sorted
// differences, where k is the largest rank with P(U < k) <= (1 − level) / 2 under the exact
// null distribution (both samples at most 50 values, no tie), or
// k = floor(m·n/2 − z·σ_U) with the tie-corrected σ_U of the normal approximation otherwise
// (k is at least 1: for tiny samples the interval is the whole range of differences).
//
// Exact at any size: order statistics of the differences are selected in the implicit sorted
// m×n matrix (O((m + n) log(m·n)) expected), never by listing the pairs, so 10 k × 10 k
// (100 M pairs) takes milliseconds and no memory beyond the two samples.
#include <cstdint>

#include "setpoint/stats/sample.hpp"

namespace setpoint::stats {

struct ShiftEstimate {
  double estimate = 0;
  double lo = 0, hi = 0;  // the confidence interval
  double level = 0.95;
  bool exact_interval = false;  // k from the exact null distribution
};

ShiftEstimate hodges_lehmann(const Sample& control, const Sample& canary, double level = 0.95);

// The k-th smallest (0-based, k < m·n) of the differences canary[i] − control[j].
double kth_difference(const Sample& control, const Sample& canary, std::uint64_t k);

}  // namespace setpoint::stats

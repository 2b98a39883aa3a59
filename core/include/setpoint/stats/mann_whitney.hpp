#pragma once
// The two-sample Mann-Whitney U test (Wilcoxon rank-sum), as SciPy's mannwhitneyu computes it:
// midranks for ties, the normal approximation with tie and continuity corrections, and the
// exact null distribution when both samples hold at most 50 values and there is no tie.
//
// U is the control sample's: the number of (control, canary) pairs in which the control value
// is the larger, ties counting one half. "Greater" means the control sample is stochastically
// greater than the canary; for latency, p_less small says the canary is slower.
#include <cstddef>
#include <optional>
#include <vector>

#include "setpoint/stats/sample.hpp"

namespace setpoint::stats {

struct MannWhitney {
  std::size_t n_control = 0, n_canary = 0;
  double u = 0;
  bool ties = false;
  double null_sd = 0;  // σ of U when both come from one distribution, tie-corrected
  // Normal approximation, tie- and continuity-corrected. All three are 1 when every value
  // is the same (no evidence either way).
  double p_two_sided = 1, p_greater = 1, p_less = 1;
  // From the exact null distribution; only when both samples are at most kExactLimit values
  // and nothing is tied.
  std::optional<double> p_two_sided_exact;
};

constexpr std::size_t kExactLimit = 50;

MannWhitney mann_whitney(const Sample& control, const Sample& canary);

// The exact null distribution of U for samples of m and n distinct values: counts[u] is the
// number of the C(m + n, m) orderings whose U is u (u = 0 .. m·n). For m, n <= kExactLimit.
std::vector<double> exact_u_counts(std::size_t m, std::size_t n);

}  // namespace setpoint::stats

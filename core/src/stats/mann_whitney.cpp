#include "setpoint/stats/mann_whitney.hpp"

#include <algorithm>
#include <cmath>

#include "setpoint/stats/distributions.hpp"

namespace setpoint::stats {
namespace {

struct Ranks {
  double control_sum = 0;  // the sum of the control values' midranks
  double tie_term = 0;     // Σ (t³ − t) over groups of t tied values
};

// Midranks of the pooled samples, walking the two sorted samples together.
Ranks rank(const std::vector<double>& x, const std::vector<double>& y) {
  Ranks ranks;
  std::size_t i = 0, j = 0, seen = 0;
  while (i < x.size() || j < y.size()) {
    const double v = j == y.size() || (i < x.size() && x[i] <= y[j]) ? x[i] : y[j];
    std::size_t in_x = 0, in_y = 0;
    while (i < x.size() && x[i] == v) ++i, ++in_x;
    while (j < y.size() && y[j] == v) ++j, ++in_y;
    const double t = static_cast<double>(in_x + in_y);
    const double midrank = static_cast<double>(seen) + (t + 1) / 2;
    ranks.control_sum += midrank * static_cast<double>(in_x);
    ranks.tie_term += t * t * t - t;
    seen += in_x + in_y;
  }
  return ranks;
}

// P(Z >= z) of the continuity-corrected statistic for U, as SciPy's _get_mwu_z.
double normal_p(double u, double mean, double sd) {
  if (sd == 0) return 1;
  return normal_sf((u - mean - 0.5) / sd);
}

}  // namespace

std::vector<double> exact_u_counts(std::size_t m, std::size_t n) {
  // ways[j][u]: orderings of the first t pooled values with j of them control and U = u so far.
  // The t-th value taken as the j-th control value adds t − j (the canary values below it).
  const std::size_t top = m * n;
  std::vector<std::vector<double>> ways(m + 1, std::vector<double>(top + 1, 0));
  ways[0][0] = 1;
  for (std::size_t t = 1; t <= m + n; ++t) {
    const std::size_t first = t > n ? t - n : 1;
    for (std::size_t j = std::min(t, m); j >= first && j >= 1; --j) {
      const std::size_t add = t - j;
      const auto& from = ways[j - 1];
      auto& to = ways[j];
      for (std::size_t u = top - add + 1; u-- > 0;) to[u + add] += from[u];
    }
  }
  return ways[m];
}

MannWhitney mann_whitney(const Sample& control, const Sample& canary) {
  MannWhitney test;
  const double m = static_cast<double>(control.size()), n = static_cast<double>(canary.size());
  test.n_control = control.size();
  test.n_canary = canary.size();
  const Ranks ranks = rank(control.sorted(), canary.sorted());
  test.ties = ranks.tie_term > 0;
  test.u = ranks.control_sum - m * (m + 1) / 2;
  const double u_canary = m * n - test.u;
  const double total = m + n;
  const double mean = m * n / 2;
  const double sd = std::sqrt(m * n / 12 * ((total + 1) - ranks.tie_term / (total * (total - 1))));
  test.null_sd = sd;
  test.p_greater = std::min(1.0, normal_p(test.u, mean, sd));
  test.p_less = std::min(1.0, normal_p(u_canary, mean, sd));
  test.p_two_sided = std::min(1.0, 2 * normal_p(std::max(test.u, u_canary), mean, sd));
  if (!test.ties && control.size() <= kExactLimit && canary.size() <= kExactLimit) {
    const auto counts = exact_u_counts(control.size(), canary.size());
    const auto at_least = static_cast<std::size_t>(std::max(test.u, u_canary));
    double upper = 0, all = 0;
    for (std::size_t u = 0; u < counts.size(); ++u) {
      all += counts[u];
      if (u >= at_least) upper += counts[u];
    }
    test.p_two_sided_exact = std::min(1.0, 2 * upper / all);
  }
  return test;
}

}  // namespace setpoint::stats

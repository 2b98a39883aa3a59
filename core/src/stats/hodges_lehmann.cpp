#include "setpoint/stats/hodges_lehmann.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "setpoint/stats/distributions.hpp"
#include "setpoint/stats/mann_whitney.hpp"

namespace setpoint::stats {
namespace {

// The differences as a sorted matrix: row i is canary[i] minus the control values from the
// largest down, so every row and every column is ascending (floating-point subtraction is
// monotone, so this holds for the computed values too).
struct Differences {
  const std::vector<double>& x;  // control, ascending
  const std::vector<double>& y;  // canary, ascending
  double at(std::size_t row, std::size_t column) const { return y[row] - x[x.size() - 1 - column]; }
};

// For each row, how many of its entries are below `pivot` (`strictly`) or at most it: the
// staircase moves only left as the rows go down, so the walk is O(m + n).
std::uint64_t count_below(const Differences& d, double pivot, bool strictly,
                          std::vector<std::size_t>& per_row) {
  std::uint64_t total = 0;
  std::size_t column = d.x.size();
  for (std::size_t row = 0; row < d.y.size(); ++row) {
    while (column > 0 &&
           (strictly ? d.at(row, column - 1) >= pivot : d.at(row, column - 1) > pivot)) {
      --column;
    }
    per_row[row] = column;
    total += column;
  }
  return total;
}

}  // namespace

double kth_difference(const Sample& control, const Sample& canary, std::uint64_t k) {
  const Differences d{control.sorted(), canary.sorted()};
  const std::size_t rows = d.y.size();
  // Candidates of row i are its columns [lo[i], hi[i]); everything left of lo is below the
  // answer and everything from hi on is above it. A random candidate as pivot removes a
  // fraction of them each round (Monahan's selection in X + Y).
  std::vector<std::size_t> lo(rows, 0), hi(rows, d.x.size()), less(rows), at_most(rows);
  std::mt19937_64 random(0x5e7901 + k);  // fixed seed: the same answer and time every run
  for (;;) {
    std::uint64_t candidates = 0, left = 0;
    for (std::size_t i = 0; i < rows; ++i) candidates += hi[i] - lo[i], left += lo[i];
    if (candidates <= 4 * (rows + d.x.size())) {
      std::vector<double> rest;
      rest.reserve(candidates);
      for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = lo[i]; j < hi[i]; ++j) rest.push_back(d.at(i, j));
      }
      const auto nth = rest.begin() + static_cast<std::ptrdiff_t>(k - left);
      std::nth_element(rest.begin(), nth, rest.end());
      return *nth;
    }
    std::uint64_t pick = std::uniform_int_distribution<std::uint64_t>(0, candidates - 1)(random);
    std::size_t row = 0;
    while (pick >= hi[row] - lo[row]) pick -= hi[row] - lo[row], ++row;
    const double pivot = d.at(row, lo[row] + pick);
    const std::uint64_t below = count_below(d, pivot, true, less);
    if (k < below) {
      for (std::size_t i = 0; i < rows; ++i) hi[i] = std::min(hi[i], less[i]);
      continue;
    }
    const std::uint64_t through = count_below(d, pivot, false, at_most);
    if (k < through) return pivot;
    for (std::size_t i = 0; i < rows; ++i) lo[i] = std::max(lo[i], at_most[i]);
  }
}

namespace {

// The rank k of the interval's lower end (1-based), per the header.
std::uint64_t interval_rank(const Sample& control, const Sample& canary, double level,
                            bool& exact) {
  const std::size_t m = control.size(), n = canary.size();
  const double pairs = static_cast<double>(m) * static_cast<double>(n);
  const double tail = (1 - level) / 2;
  const MannWhitney test = mann_whitney(control, canary);
  exact = !test.ties && m <= kExactLimit && n <= kExactLimit;
  std::uint64_t k = 0;
  if (exact) {
    const auto counts = exact_u_counts(m, n);
    double all = 0;
    for (double c : counts) all += c;
    double below = 0;  // P(U < k) · all, for the k under consideration
    while (k < counts.size() && (below + counts[k]) / all <= tail) below += counts[k++];
  } else {
    // The normal approximation's σ_U, tie-corrected as in the test itself.
    const double total = static_cast<double>(m + n);
    double tie_term = 0;
    {
      std::vector<double> pooled(control.sorted());
      pooled.insert(pooled.end(), canary.sorted().begin(), canary.sorted().end());
      std::sort(pooled.begin(), pooled.end());
      for (std::size_t i = 0; i < pooled.size();) {
        std::size_t j = i;
        while (j < pooled.size() && pooled[j] == pooled[i]) ++j;
        const double t = static_cast<double>(j - i);
        tie_term += t * t * t - t;
        i = j;
      }
    }
    const double sd = std::sqrt(pairs / 12 * ((total + 1) - tie_term / (total * (total - 1))));
    const double at = std::floor(pairs / 2 - normal_quantile(1 - tail) * sd);
    k = at < 0 ? 0 : static_cast<std::uint64_t>(at);
  }
  const auto middle = static_cast<std::uint64_t>((pairs + 1) / 2);
  return std::clamp<std::uint64_t>(k, 1, std::max<std::uint64_t>(middle, 1));
}

}  // namespace

ShiftEstimate hodges_lehmann(const Sample& control, const Sample& canary, double level) {
  ShiftEstimate shift;
  shift.level = level;
  const std::uint64_t pairs =
      static_cast<std::uint64_t>(control.size()) * static_cast<std::uint64_t>(canary.size());
  const double upper = kth_difference(control, canary, pairs / 2);
  shift.estimate =
      pairs % 2 == 1 ? upper : (kth_difference(control, canary, pairs / 2 - 1) + upper) / 2;
  const std::uint64_t k = interval_rank(control, canary, level, shift.exact_interval);
  shift.lo = kth_difference(control, canary, k - 1);
  shift.hi = kth_difference(control, canary, pairs - k);
  return shift;
}

}  // namespace setpoint::stats

#include "setpoint/stats/hodges_lehmann.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "setpoint/stats/distributions.hpp"
#include "setpoint/stats/mann_whitney.hpp"

namespace setpoint::stats {
namespace {

// The differences as a sorted matrix: row i is canary[i] minus the control values from the
// largest down, so every row and every column is ascending (floating-point subtraction is
// monotone, so this holds for the computed values too).
using Index = std::uint32_t;  // a column; Sample::of keeps samples under 2^32 values

struct Differences {
  const std::vector<double>& x;  // control, ascending
  const std::vector<double>& y;  // canary, ascending
  double at(std::size_t row, Index column) const { return y[row] - x[x.size() - 1 - column]; }
};

// How many entries of each row are below `low` and how many are at most `high`, walking both
// staircases at once: the boundaries only move left as the rows go down (O(m + n) in all),
// and within a row they lie among its candidates [lo, hi), since everything left of lo is
// below every candidate and everything from hi on is above.
struct Counts {
  std::uint64_t below = 0, through = 0;
};
Counts count_rows(const Differences& d, double low, double high, const std::vector<Index>& lo,
                  const std::vector<Index>& hi, std::vector<Index>& less,
                  std::vector<Index>& at_most) {
  Counts counts;
  Index a = static_cast<Index>(d.x.size()), b = a;
  for (std::size_t row = 0; row < d.y.size(); ++row) {
    a = std::min(a, hi[row]);
    b = std::min(b, hi[row]);
    while (a > lo[row] && d.at(row, a - 1) >= low) --a;
    while (b > lo[row] && d.at(row, b - 1) > high) --b;
    less[row] = a;
    at_most[row] = b;
    counts.below += a;
    counts.through += b;
  }
  return counts;
}

}  // namespace

double kth_difference(const Sample& control, const Sample& canary, std::uint64_t k) {
  const Differences d{control.sorted(), canary.sorted()};
  const std::size_t rows = d.y.size();
  // Candidates of row i are its columns [lo[i], hi[i]); everything left of lo is below the
  // answer and everything from hi on is above it. Each round draws a sample of the candidates
  // and counts against two of its values that bracket rank k (Floyd and Rivest's selection,
  // on Monahan's sorted-matrix form): with up to 65536 drawn, a round cuts the candidates
  // some fortyfold, so 10 M × 10 M values take six O(m + n) rounds.
  std::vector<Index> lo(rows, 0), hi(rows, static_cast<Index>(d.x.size())), less(rows),
      at_most(rows);
  std::vector<std::uint64_t> picks;
  std::vector<double> drawn;
  std::mt19937_64 random(0x5e7901 + k);  // fixed seed: the same answer and time every run
  std::uint64_t candidates = static_cast<std::uint64_t>(rows) * d.x.size(), left = 0;
  bool stuck = false;  // the last round's bracket held every candidate
  for (;;) {
    // Few enough to list: never the hundreds of megabytes that all of a row's width would be.
    if (candidates <= std::min<std::uint64_t>(4 * (rows + d.x.size()), 1 << 16)) {
      std::vector<double> rest;
      rest.reserve(candidates);
      for (std::size_t i = 0; i < rows; ++i) {
        for (Index j = lo[i]; j < hi[i]; ++j) rest.push_back(d.at(i, j));
      }
      const auto nth = rest.begin() + static_cast<std::ptrdiff_t>(k - left);
      std::nth_element(rest.begin(), nth, rest.end());
      return *nth;
    }
    // Draw candidates uniformly: sorted positions among them, found in one pass over the rows.
    const std::size_t size = stuck ? 1
                                   : static_cast<std::size_t>(std::clamp<double>(
                                         std::sqrt(static_cast<double>(candidates)), 256, 65536));
    std::uniform_int_distribution<std::uint64_t> any(0, candidates - 1);
    picks.resize(size);
    for (auto& p : picks) p = any(random);
    std::sort(picks.begin(), picks.end());
    drawn.clear();
    std::uint64_t start = 0;
    std::size_t next = 0;
    for (std::size_t i = 0; i < rows && next < size; ++i) {
      const std::uint64_t width = hi[i] - lo[i];
      for (; next < size && picks[next] < start + width; ++next) {
        drawn.push_back(d.at(i, lo[i] + static_cast<Index>(picks[next] - start)));
      }
      start += width;
    }
    std::sort(drawn.begin(), drawn.end());
    const double at = static_cast<double>(k - left) / static_cast<double>(candidates) * size;
    const double band = 3 * std::sqrt(static_cast<double>(size));
    const double last = static_cast<double>(size - 1);
    const double low = drawn[static_cast<std::size_t>(std::clamp(at - band, 0.0, last))];
    const double high = drawn[static_cast<std::size_t>(std::clamp(at + band, 0.0, last))];
    const Counts counts = count_rows(d, low, high, lo, hi, less, at_most);
    if (counts.below <= k && k < counts.through && low == high) return low;
    const std::uint64_t before = candidates;
    candidates = left = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      if (k < counts.below) {
        hi[i] = less[i];  // the answer is below `low`
      } else if (k >= counts.through) {
        lo[i] = at_most[i];  // above `high`
      } else {
        lo[i] = less[i];  // between them
        hi[i] = at_most[i];
      }
      candidates += hi[i] - lo[i];
      left += lo[i];
    }
    stuck = candidates == before;
  }
}

namespace {

// The k-th smallest difference, knowing that `value` is the (k-1)-th: `value` again when it
// occurs more than k times, else the smallest difference above it (one staircase pass, where
// a second selection would take several).
double next_difference(const Sample& control, const Sample& canary, double value, std::uint64_t k) {
  const Differences d{control.sorted(), canary.sorted()};
  std::uint64_t through = 0;
  double above = std::numeric_limits<double>::infinity();
  Index column = static_cast<Index>(d.x.size());
  for (std::size_t row = 0; row < d.y.size(); ++row) {
    while (column > 0 && d.at(row, column - 1) > value) --column;
    through += column;
    if (column < d.x.size()) above = std::min(above, d.at(row, column));
  }
  return through > k ? value : above;
}

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
    const double at = std::floor(pairs / 2 - normal_quantile(1 - tail) * test.null_sd);
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
  if (pairs % 2 == 1) {
    shift.estimate = kth_difference(control, canary, pairs / 2);
  } else {
    const double lower = kth_difference(control, canary, pairs / 2 - 1);
    shift.estimate = (lower + next_difference(control, canary, lower, pairs / 2)) / 2;
  }
  const std::uint64_t k = interval_rank(control, canary, level, shift.exact_interval);
  shift.lo = kth_difference(control, canary, k - 1);
  shift.hi = kth_difference(control, canary, pairs - k);
  return shift;
}

}  // namespace setpoint::stats

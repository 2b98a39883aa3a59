#include "setpoint/stats/quantiles.hpp"

#include <cmath>
#include <limits>

namespace setpoint::stats {

double quantile(const Sample& sample, double q) {
  if (!(q >= 0 && q <= 1)) return std::numeric_limits<double>::quiet_NaN();
  const auto& x = sample.sorted();
  const double h = static_cast<double>(x.size() - 1) * q;
  const auto below = static_cast<std::size_t>(std::floor(h));
  const std::size_t above = below + 1 < x.size() ? below + 1 : below;
  const double t = h - static_cast<double>(below);
  // numpy's _lerp: from the nearer end, so q = 1 lands exactly on the maximum.
  const double a = x[below], b = x[above], step = b - a;
  return t >= 0.5 ? b - step * (1 - t) : a + step * t;
}

Quantiles summary_quantiles(const Sample& sample) {
  return {quantile(sample, 0.5), quantile(sample, 0.9), quantile(sample, 0.95),
          quantile(sample, 0.99)};
}

}  // namespace setpoint::stats

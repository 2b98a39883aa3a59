#include "setpoint/stats/welch.hpp"

#include <cmath>

#include "setpoint/stats/distributions.hpp"

namespace setpoint::stats {

Result<Welch> welch(const Sample& control, const Sample& canary) {
  if (control.size() < 2 || canary.size() < 2) {
    return Error{"Welch's t-test needs at least two values on each side"};
  }
  const double m = static_cast<double>(control.size()), n = static_cast<double>(canary.size());
  const double vm = control.variance() / m, vn = canary.variance() / n;
  if (vm + vn == 0) return Error{"Welch's t-test is not defined: both samples are constant"};
  Welch test;
  test.t = (control.mean() - canary.mean()) / std::sqrt(vm + vn);
  test.df = (vm + vn) * (vm + vn) / (vm * vm / (m - 1) + vn * vn / (n - 1));
  if (!std::isfinite(test.t) || !std::isfinite(test.df))  // never a NaN shown as p = 1
    return Error{"Welch's t-test is not defined: the values are beyond double precision"};
  test.p = std::min(1.0, 2 * student_t_sf(std::fabs(test.t), test.df));
  return test;
}

}  // namespace setpoint::stats

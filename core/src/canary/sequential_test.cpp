#include "setpoint/canary/sequential_test.hpp"

#include <algorithm>
#include <cmath>

namespace setpoint::canary {

double mixture_likelihood_ratio(double estimate, double variance, double tau) {
  if (!(variance > 0) || !std::isfinite(variance) || !std::isfinite(estimate) || !(tau > 0))
    return 1;
  const double t2 = tau * tau;
  // In logs: a large θ̂² / V would overflow exp long before the ratio stops mattering.
  const double log_ratio = 0.5 * std::log(variance / (variance + t2)) +
                           t2 * estimate * estimate / (2 * variance * (variance + t2));
  return std::exp(std::min(log_ratio, 700.0));
}

double always_valid_p(double previous, double estimate, double variance, double tau) {
  return std::min(previous, std::min(1.0, 1 / mixture_likelihood_ratio(estimate, variance, tau)));
}

}  // namespace setpoint::canary

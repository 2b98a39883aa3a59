#pragma once
// Sample quantiles as numpy computes them by default (method "linear", R's type 7): the value
// at (n - 1)·q in the sorted sample, interpolated between its neighbours.
#include "setpoint/stats/sample.hpp"

namespace setpoint::stats {

// The q-quantile, 0 <= q <= 1 (NaN outside).
double quantile(const Sample& sample, double q);

struct Quantiles {
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0;
};
Quantiles summary_quantiles(const Sample& sample);

}  // namespace setpoint::stats

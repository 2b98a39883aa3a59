#pragma once
// The two distributions the canary tests are read against: the standard normal and Student's t.
// Written out here rather than taken from a library because the four functions below are all
// the judge needs, and each is checked against SciPy to 1e-9 relative, tails included
// (tests/core/stats/data/, made by scripts/stats_reference.py).
namespace setpoint::stats {

// P(Z > z) for a standard normal Z; exact in the far tail (no 1 - cdf cancellation).
double normal_sf(double z);
// P(Z <= z).
double normal_cdf(double z);
// The z with P(Z <= z) = p, for 0 < p < 1 (±infinity at 0 and 1, NaN outside).
double normal_quantile(double p);
// P(T > t) for Student's t with `df` > 0 degrees of freedom (not necessarily whole).
double student_t_sf(double t, double df);
// The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1. `one_minus_x`
// is 1 - x computed by the caller without cancellation (t^2 / (df + t^2), say).
double regularized_beta(double x, double one_minus_x, double a, double b);

}  // namespace setpoint::stats

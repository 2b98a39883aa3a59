#include "setpoint/stats/distributions.hpp"

#include <cmath>
#include <limits>

namespace setpoint::stats {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ln Γ(a) - ln Γ(a + b). For large a the difference of two large lgammas would lose digits
// (lgamma(5e6) is 7e7: 1e-8 absolute in the exponent), so Stirling's series is differenced
// term by term instead.
double lgamma_ratio(double a, double b) {
  if (a < 1e4) return std::lgamma(a) - std::lgamma(a + b);
  const auto tail = [](double z) {  // lnΓ(z) - [(z - ½) ln z - z + ½ ln 2π]
    const double z2 = z * z;
    return 1 / (12 * z) - 1 / (360 * z * z2) + 1 / (1260 * z * z2 * z2);
  };
  return -(a - 0.5) * std::log1p(b / a) - b * std::log(a + b) + b + tail(a) - tail(a + b);
}

// ln B(a, b), with the larger argument given to lgamma_ratio.
double log_beta(double a, double b) {
  if (a < b) std::swap(a, b);
  return std::lgamma(b) + lgamma_ratio(a, b);
}

// The continued fraction of I_x(a, b) (modified Lentz), which converges fast when
// x < (a + 1) / (a + b + 2); about sqrt(max(a, b)) terms at worst.
double beta_fraction(double x, double a, double b) {
  constexpr double kTiny = 1e-300;
  constexpr double kEpsilon = 1e-16;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 200000; ++m) {
    const double m2 = 2.0 * m;
    double step = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + step * d;
    c = 1 + step / c;
    d = 1 / (std::fabs(d) < kTiny ? kTiny : d);
    c = std::fabs(c) < kTiny ? kTiny : c;
    h *= d * c;
    step = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + step * d;
    c = 1 + step / c;
    d = 1 / (std::fabs(d) < kTiny ? kTiny : d);
    c = std::fabs(c) < kTiny ? kTiny : c;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < kEpsilon) break;
  }
  return h;
}

}  // namespace

double normal_sf(double z) {
  if (std::isnan(z)) return kNan;
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

double normal_cdf(double z) { return normal_sf(-z); }

double normal_quantile(double p) {
  if (std::isnan(p) || p < 0 || p > 1) return kNan;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  // Acklam's rational approximation (1.15e-9 relative), then two Halley steps on the exact
  // cdf, which take it to full precision.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double low = 0.02425;
  double x;
  if (p < low || p > 1 - low) {
    const double q = std::sqrt(-2 * std::log(p < low ? p : 1 - p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p > 1 - low) x = -x;
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  for (int i = 0; i < 2; ++i) {
    // Work on the side whose probability is small, so the error is relative there.
    const double e = p < 0.5 ? normal_cdf(x) - p : (1 - p) - normal_sf(x);
    const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
    x = x - u / (1 + x * u / 2);
  }
  return x;
}

double regularized_beta(double x, double one_minus_x, double a, double b) {
  if (std::isnan(x) || x < 0 || x > 1 || !(a > 0) || !(b > 0)) return kNan;
  if (x == 0) return 0;
  if (x == 1) return 1;
  const double front = std::exp(a * std::log(x) + b * std::log(one_minus_x) - log_beta(a, b));
  if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(x, a, b) / a;
  return 1 - front * beta_fraction(one_minus_x, b, a) / b;
}

double student_t_sf(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNan;
  if (std::isinf(t)) return t > 0 ? 0 : 1;
  if (std::isinf(df)) return normal_sf(t);
  const double t2 = t * t;
  // P(|T| > |t|) = I_{df / (df + t²)}(df / 2, 1 / 2).
  const double two_sided = regularized_beta(df / (df + t2), t2 / (df + t2), df / 2, 0.5);
  return t > 0 ? two_sided / 2 : 1 - two_sided / 2;
}

}  // namespace setpoint::stats

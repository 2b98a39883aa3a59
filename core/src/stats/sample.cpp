#include "setpoint/stats/sample.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace setpoint::stats {
namespace {

// Neumaier's compensated sum: a mean of ten million values keeps its last digits, as numpy's
// pairwise sum does, so the two agree far below the 1e-9 the tests ask.
class Sum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    compensation_ += std::fabs(sum_) >= std::fabs(x) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0, compensation_ = 0;
};

}  // namespace

Result<Sample> Sample::of(std::vector<double> values, std::string_view name) {
  if (values.empty()) return Error{std::string(name) + ": the sample is empty"};
  if (values.size() > kMaxValues) {
    return Error{std::string(name) + ": more than " + std::to_string(kMaxValues) + " values"};
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return Error{std::string(name) + ": value " + std::to_string(i + 1) + " of " +
                   std::to_string(values.size()) + " is not a finite number (" +
                   (std::isnan(values[i]) ? "NaN"
                    : values[i] > 0       ? "inf"
                                          : "-inf") +
                   ")"};
    }
  }
  Sample sample;
  Sum sum;
  for (double x : values) sum.add(x);
  const double n = static_cast<double>(values.size());
  sample.mean_ = sum.value() / n;
  Sum squares;
  for (double x : values) squares.add((x - sample.mean_) * (x - sample.mean_));
  sample.variance_ =
      values.size() < 2 ? std::numeric_limits<double>::quiet_NaN() : squares.value() / (n - 1);
  // Finite values whose sum or squares overflow (near 1e308): no mean to test, said so.
  if (!std::isfinite(sample.mean_) || (values.size() >= 2 && !std::isfinite(sample.variance_)))
    return Error{std::string(name) +
                 ": the values are too large for their mean and variance in double precision"};
  std::sort(values.begin(), values.end());
  sample.sorted_ = std::move(values);
  return sample;
}

}  // namespace setpoint::stats

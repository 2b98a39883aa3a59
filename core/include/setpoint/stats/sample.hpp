#pragma once
// A sample of one cohort's values, as the tests in this folder take it: finite numbers,
// sorted once. Made only through `of`, which names the sample and the position of the first
// value it refuses, so every test below can assume clean input.
#include <cstddef>
#include <string_view>
#include <vector>

#include "setpoint/base/result.hpp"

namespace setpoint::stats {

// The most values a sample holds (the shift estimate indexes a sample with 32 bits).
constexpr std::size_t kMaxValues = 0xffffffffu;

class Sample {
 public:
  // `values` sorted; an error names `name` and the first value that is NaN or infinite
  // ("canary: value 3 of 10 is not a finite number (inf)"), or says the sample is empty.
  static Result<Sample> of(std::vector<double> values, std::string_view name);

  const std::vector<double>& sorted() const { return sorted_; }
  std::size_t size() const { return sorted_.size(); }
  double mean() const { return mean_; }
  // The variance with n - 1 in the denominator (NaN for one value).
  double variance() const { return variance_; }

 private:
  std::vector<double> sorted_;
  double mean_ = 0, variance_ = 0;
};

}  // namespace setpoint::stats

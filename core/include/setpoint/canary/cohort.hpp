#pragma once
// What one cohort of a canary (the canary or the baseline) served since the canary began: how
// many events, how many failed, and their values as a histogram (each distinct value or
// sketch bin with its count). The engine fills it from the windows of the KPI's series with
// cohort=canary or cohort=baseline; a rollout keeps it across restarts by adding what the
// fresh windows hold to what was saved at the last look.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "setpoint/base/result.hpp"

namespace setpoint::canary {

struct Cohort {
  std::uint64_t count = 0;     // events
  std::uint64_t failures = 0;  // events whose outcome counts as a failure
  // (value, how many), ascending by value, each value once; values NaN or infinite are not
  // kept (the engine's windows never hold them).
  std::vector<std::pair<double, std::uint64_t>> values;

  std::uint64_t value_count() const;
  // Adds `other` (its events, failures and values).
  void merge(const Cohort& other);
  // DDSketch's quantile: the value at rank floor(q · (n - 1)) of the n values; NaN if none.
  double quantile(double q) const;
  double mean() const;      // NaN if no values
  double variance() const;  // with n - 1 in the denominator; NaN under two values
  // How many values are at or above `threshold`.
  std::uint64_t at_least(double threshold) const;

  // As stored with a look: {"count", "failures", "values": [[v, n], ...]}.
  std::string to_json() const;
  static Result<Cohort> from_json(std::string_view text);
};

}  // namespace setpoint::canary

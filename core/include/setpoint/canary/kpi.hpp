#pragma once
// One KPI a canary is judged on: which statistic of which series, which way is worse, how
// much worse matters, and whether failing it fails the canary at once.
#include <cstdint>
#include <string>
#include <string_view>

#include "setpoint/base/result.hpp"

namespace setpoint::canary {

enum class KpiStat {
  kQuantile,     // p50, p90, p95, p99, p999: tested by the share of values from the
                 // pooled quantile (Mood's quantile test), reported as the two quantiles
  kErrorRate,    // failures / events: a two-proportion test
  kSuccessRate,  // 1 - error rate
  kMean,         // the values' mean: a two-sample z-test on the means
};

struct Kpi {
  std::string series;  // the series without its cohort label: "http{service=checkout}"
  std::string stat_name = "p99";
  KpiStat stat = KpiStat::kQuantile;
  double q = 0.99;  // for kQuantile
  bool higher_is_worse = true;
  bool critical = false;
  std::uint64_t min_samples = 100;  // per cohort (values for quantiles and means, events else)
  double floor = 0.05;              // fail only when worse by more than this, relative
  std::string unit;                 // shown after values in sentences: "ms"

  // "p99 of http{service=checkout}"
  std::string name() const { return stat_name + " of " + series; }
  // The values a quantile KPI needs a side to see its tail at all: 10 above the quantile.
  std::uint64_t needed() const;
};

// The statistic of this name ("p99", "error_rate", ...) set on `kpi`, with its usual
// direction; an error lists the names there are. Rates per second are refused: cohorts of
// different weights see different rates by design.
Result<void> set_stat(Kpi& kpi, std::string_view name);

}  // namespace setpoint::canary

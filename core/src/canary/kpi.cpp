#include "setpoint/canary/kpi.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "setpoint/base/utf8.hpp"

namespace setpoint::canary {

std::uint64_t Kpi::needed() const {
  if (stat != KpiStat::kQuantile) return min_samples;
  // 10 / (1 - 0.9) is 100.00000000000001 in doubles: rounded first, so p90 needs 100, not 101.
  return std::max(min_samples,
                  static_cast<std::uint64_t>(std::ceil(std::round(1e6 * 10 / (1 - q)) / 1e6)));
}

Result<void> set_stat(Kpi& kpi, std::string_view name) {
  struct Known {
    std::string_view name;
    KpiStat stat;
    double q;
    bool higher_is_worse;
  };
  static constexpr Known kKnown[] = {
      {"p50", KpiStat::kQuantile, 0.50, true},
      {"p90", KpiStat::kQuantile, 0.90, true},
      {"p95", KpiStat::kQuantile, 0.95, true},
      {"p99", KpiStat::kQuantile, 0.99, true},
      {"p999", KpiStat::kQuantile, 0.999, true},
      {"error_rate", KpiStat::kErrorRate, 0, true},
      {"success_rate", KpiStat::kSuccessRate, 0, false},
      {"mean", KpiStat::kMean, 0, true},
  };
  for (const auto& known : kKnown) {
    if (known.name != name) continue;
    kpi.stat_name = std::string(name);
    kpi.stat = known.stat;
    kpi.q = known.q;
    kpi.higher_is_worse = known.higher_is_worse;
    return {};
  }
  if (name == "rate" || name == "rate_per_s") {
    return Error{"stat " + std::string(name) +
                 " cannot judge a canary: cohorts of different weights see different rates"};
  }
  return Error{"unknown stat \"" + utf8::printable(name, 40) +
               "\": one of p50, p90, p95, p99, p999, error_rate, success_rate or mean"};
}

}  // namespace setpoint::canary

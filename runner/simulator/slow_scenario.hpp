#pragma once
// A slow-loop scenario (YAML): days of a service whose best setting drifts, run minute by
// minute against the real engine and its autopilot, for `setpoint simulate` (docs/simulator.md,
// "Slow scenarios"). Told apart from a fast scenario by its `slow_service` section.
//
//   name: autopilot over 30 days
//   config: autopilot_30d.setpoint.yaml
//   duration: 30d                    # up to 400d
//   step: 1m                         # 10s to 1h
//   slow_service:
//     metric: http.server            # what the service's requests are recorded as
//     labels: { service: checkout }
//     knob: checkout.max_concurrency # the parameter whose best value drifts
//     best: [{ at: 0d, value: 100 }, { at: 30d, value: 130 }]   # linear between points
//     p99_ms: 200                    # at the best value
//     curvature: 2                   # p99 grows by curvature × d² (d: the relative distance)
//     seasonality: 0.1               # ± share over the day
//     requests_per_step: 100
//     response_change: { from: 19d, to: 26d, tilt: 2 }   # p99 also grows by tilt × d then
//     bad_change: { day: 12, factor: 1.3 }   # the first change from that day: p99 × factor
//   expect: { cycles: 30, rollbacks_min: 1, bounds_widen: true,
//             first_drift_pause_within: [19d, 26d] }
#include <optional>
#include <string>
#include <vector>

#include "setpoint/base/result.hpp"
#include "setpoint/windows/series.hpp"
#include "simulator/scenario.hpp"

namespace setpoint::runner {

struct SlowScenario {
  std::string path, name, config;
  Nanos duration = 30 * 24 * 3600 * kNanosPerSecond;
  Nanos step = 60 * kNanosPerSecond;
  std::string metric = "http.server";
  Labels labels;
  std::string knob;
  std::vector<Point> best;  // linear between points
  double p99_ms = 200, curvature = 2, seasonality = 0.1;
  int requests_per_step = 100;
  Nanos tilt_from = 0, tilt_to = 0;
  double tilt = 0;
  int bad_day = -1;  // none
  double bad_factor = 1.3;
  struct {
    std::optional<int> cycles;
    int rollbacks_min = 0;
    bool bounds_widen = false;
    std::optional<std::pair<Nanos, Nanos>> first_drift_pause_within;
  } expect;

  // The best value at `t`, linear between points (held before the first, after the last).
  double best_at(Nanos t) const;
};

// Whether the file at `path` is a slow scenario (has `slow_service`); false when unreadable.
bool is_slow_scenario(const std::string& path);
Result<SlowScenario> load_slow_scenario(const std::string& path);

}  // namespace setpoint::runner

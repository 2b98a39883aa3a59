#pragma once
// The autopilot section of the config, and a parameter's sliding_bounds: what the slow loop
// may do, how its operating bounds learn, and when it stops itself.
//
//   autopilot:
//     enabled: true
//     schedule: daily 03:00      # for autopilot policies that name none
//     max_duration: 10m          # a cycle's, its validations included, unless its policy says
//     sliding_bounds: { expand_per_week: 5%, contract_after_rollback: 25%, stable_days: 7,
//                       rollback_threshold: 3, anti_windup: true }   # every parameter's default
//     drift_monitoring: { prediction_error_threshold: 30%, rollback_rate_threshold: 10%,
//                         consecutive_failures: 3, min_samples: 5, monitoring_window: 14d,
//                         pause_duration: 48h, max_pause: 7d }
//   parameters:
//     checkout.limit:
//       sliding_bounds: { operating: [80, 120], expand_per_week: 10% }
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

#include "config/yaml_reader.hpp"
#include "setpoint/autopilot/drift_monitor.hpp"
#include "setpoint/autopilot/sliding_bounds.hpp"
#include "setpoint/guard/parameter.hpp"

namespace setpoint::runner {

struct SlidingBoundsConfig {
  double min = 0, max = 0;  // the operating range it starts from
  autopilot::BoundsRules rules;
};

struct AutopilotConfig {
  bool enabled = true;
  std::string schedule = "daily 03:00";
  Nanos max_duration = 10 * 60 * kNanosPerSecond;
  autopilot::BoundsRules bounds;  // every parameter's sliding_bounds default
  autopilot::DriftRules drift;
};

void read_autopilot(const YamlReader& r, const YAML::Node& node, AutopilotConfig& autopilot);
// A parameter's sliding_bounds (read after the autopilot section, whose defaults it takes).
SlidingBoundsConfig read_sliding_bounds(const YamlReader& r, const YAML::Node& node,
                                        const std::string& path, const ParameterSpec& parameter,
                                        const AutopilotConfig& autopilot);

}  // namespace setpoint::runner

#pragma once
// A parameter's rollout section: how a change to it is proved on a slice of traffic before it
// goes everywhere, and where the canary's value and weight go.
//
//   parameters:
//     checkout.timeout_ms:
//       actuator: { type: file, path: out/checkout.json, key: timeout_ms }
//       rollout:
//         steps: [5, 25, 100]          # percent of traffic; 100 is the promotion
//         step_duration: 10m
//         interval: 1m                 # between looks of the judge
//         false_rollback_rate: 5%      # over the whole canary, every look
//         on_inconclusive: rollback    # or hold (for a human)
//         cohort_label: cohort         # telemetry says cohort=canary or cohort=baseline
//         canary: { type: file, path: out/checkout.json, key: timeout_ms_canary }
//         weight: { type: file, path: out/checkout.json, key: canary_weight }
//         kpis:
//           - { series: "http{service=checkout}", stat: p99, critical: true, floor: 5%,
//               min_samples: 100, unit: ms }
//           - { series: "http{service=checkout}", stat: error_rate }
#include <yaml-cpp/yaml.h>

#include <string>

#include "config/actuator_config.hpp"
#include "config/yaml_reader.hpp"
#include "setpoint/canary/rollout.hpp"
#include "setpoint/guard/parameter.hpp"

namespace setpoint::runner {

struct RolloutConfig {
  canary::RolloutPlan plan;
  std::string cohort_label = "cohort";
  ActuatorConfig canary;  // where the canary's value goes
  ActuatorConfig weight;  // where its share of traffic goes, in percent
};

// `tick`: the engine's (a look happens once a tick at most); `horizon`: the longest window's
// (the judge reads everything since the start, so the judged steps must fit in it).
RolloutConfig read_rollout(const YamlReader& r, const YAML::Node& node, const std::string& path,
                           const ParameterSpec& parameter, Nanos tick, Nanos horizon);

}  // namespace setpoint::runner

#pragma once
// A parameter's status section: what the people a degraded service serves are told while the
// parameter holds a value, served at GET /v1/status (open, and only what is written here).
//
//   parameters:
//     checkout.degraded:                 # a bool: the value that is not ok
//       type: bool
//       status: { service: checkout, when: true, state: degraded,
//                 message: "Checkout is degraded: payments are slow; retries are automatic",
//                 next_step: "Nothing to do; your order goes through" }
//     service.degradation:               # an int or an enum: per value
//       type: int
//       status:
//         service: checkout
//         values:
//           1: { state: degraded, message: "Checkout is slower than usual" }
//           2: { state: fallback, message: "Checkout works with fewer features", next_step: … }
//
// A value with no rule is ok. The states are ok, degraded, retrying and fallback.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "setpoint/guard/parameter.hpp"

namespace setpoint::runner {

struct StatusRule {
  double value = 0;  // in the guard's numeric form: a bool's 0/1, an enum's index
  std::string state = "degraded";
  std::string message;
  std::string next_step;
};

struct StatusConfig {
  std::string service;  // as end users know it; the parameter's name when not given
  std::vector<StatusRule> rules;
  // The rule for a value; none when it is ok.
  const StatusRule* rule_for(double value) const {
    for (const auto& r : rules)
      if (r.value == value) return &r;
    return nullptr;
  }
};

StatusConfig read_status(const YamlReader& r, const YAML::Node& node, const std::string& path,
                         const ParameterSpec& parameter);

}  // namespace setpoint::runner

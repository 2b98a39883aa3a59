#pragma once
// The sections of the config that only the daemon reads: telemetry sources, the policies
// folder with per-policy overrides, and the control plane.
#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace setpoint::runner {

void read_sources(const YamlReader& r, const YAML::Node& node, TelemetryConfig& telemetry);
void read_policies(const YamlReader& r, const YAML::Node& node, PoliciesConfig& policies);
void read_control_plane(const YamlReader& r, const YAML::Node& node, ControlPlaneConfig& control);

}  // namespace setpoint::runner

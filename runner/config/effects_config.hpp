#pragma once
// The engine, parameters and actions sections of the config: what humans own. Everything a
// policy may touch, how far, how often, and how it reaches the outside world.
#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace setpoint::runner {

void read_engine(const YamlReader& r, const YAML::Node& node, EngineConfig& engine);
void read_parameters(const YamlReader& r, const YAML::Node& node, Config& config);
void read_actions(const YamlReader& r, const YAML::Node& node, Config& config);
std::optional<Mode> mode_from_name(const std::string& name);
// An actuator section ({type, path, key, argv, timeout}); `arg_names` are the {arg:NAME}s its
// argv may use.
ActuatorConfig read_actuator(const YamlReader& r, const YAML::Node& node, const std::string& path,
                             const std::vector<std::string>& arg_names);
Mode read_mode(const YamlReader& r, const YAML::Node& node, const std::string& path);

}  // namespace setpoint::runner

#pragma once
// What the kinds of scenario file (fast, slow, canary) share: which kind a file is, the labels
// a service's requests carry, and reading one with every error as "file:line:col: …".
#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>

#include "config/yaml_reader.hpp"
#include "setpoint/base/result.hpp"
#include "setpoint/windows/series.hpp"

namespace setpoint::runner {

// Whether the YAML file at `path` has the top-level `section`; false when it cannot be read
// or parsed (the loader of its kind then says what is wrong).
bool has_section(const std::string& path, const char* section);
// `labels: { name: value, … }` at `path`.
Labels read_labels(const YamlReader& r, const YAML::Node& node, const std::string& path);
// Reads the file and calls `read` with its root; a fault or a YAML error becomes the error.
Result<void> read_scenario_file(
    const std::string& path, const std::function<void(const YamlReader&, const YAML::Node&)>& read);

}  // namespace setpoint::runner

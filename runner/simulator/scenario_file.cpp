#include "simulator/scenario_file.hpp"

#include "setpoint/base/regular_file.hpp"

namespace setpoint::runner {

bool has_section(const std::string& path, const char* section) {
  const auto text = read_regular_file(path, kMaxConfigBytes);
  if (!text) return false;
  try {
    const YAML::Node root = YamlReader(path).load(*text);
    return root.IsMap() && root[section];
  } catch (const std::exception&) {
    return false;
  }
}

Labels read_labels(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) r.fail(node, path, "expected a mapping of label values");
  Labels labels;
  for (const auto& l : node)
    labels.emplace_back(l.first.as<std::string>(),
                        r.string(l.second, path + "." + l.first.as<std::string>()));
  return labels;
}

Result<void> read_scenario_file(
    const std::string& path,
    const std::function<void(const YamlReader&, const YAML::Node&)>& read) {
  const auto text = read_regular_file(path, kMaxConfigBytes);
  if (!text) return Error{text.error()};
  try {
    YamlReader r(path);
    read(r, r.load(*text));
  } catch (const ConfigFault& fault) {
    return Error{std::string(fault.what())};
  } catch (const YAML::Exception& e) {
    return Error{path + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  return {};
}

}  // namespace setpoint::runner

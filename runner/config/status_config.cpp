#include "config/status_config.hpp"

#include <algorithm>
#include <cmath>

#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

constexpr std::size_t kMaxText = 500;
constexpr const char* kStates[] = {"ok", "degraded", "retrying", "fallback"};

// `map[key]`: its text, checked; `required` fails on the map when it is missing.
std::string text(const YamlReader& r, const YAML::Node& map, const char* key,
                 const std::string& path, bool required) {
  const YAML::Node node = map[key];
  if (!node) {
    if (required) r.fail(map, path, "needs a message for the people the service serves");
    return "";
  }
  const std::string s = r.string(node, path);
  if ((required && s.empty()) || s.size() > kMaxText || !utf8::valid(s))
    r.fail(node, path, "expected text of 1 to " + std::to_string(kMaxText) + " bytes (UTF-8)");
  return s;
}

StatusRule read_rule(const YamlReader& r, const YAML::Node& node, const std::string& path,
                     double value) {
  StatusRule rule;
  rule.value = value;
  if (node["state"]) {
    rule.state = r.string(node["state"], path + ".state");
    if (std::find(std::begin(kStates), std::end(kStates), rule.state) == std::end(kStates))
      r.fail(node["state"], path + ".state", "expected ok, degraded, retrying or fallback");
  }
  rule.message = text(r, node, "message", path + ".message", true);
  rule.next_step = text(r, node, "next_step", path + ".next_step", false);
  return rule;
}

// A value of an int or an enum parameter, as config writes it: its numeric form.
double value_of(const YamlReader& r, const YAML::Node& key, const std::string& path,
                const ParameterSpec& p) {
  const std::string name = key.as<std::string>();
  if (p.type == ParamType::kEnum) {
    const auto it = std::find(p.choices.begin(), p.choices.end(), name);
    if (it == p.choices.end()) r.fail(key, path, "\"" + name + "\" is not one of its choices");
    return static_cast<double>(it - p.choices.begin());
  }
  return static_cast<double>(
      r.integer(key, path, static_cast<std::int64_t>(p.min), static_cast<std::int64_t>(p.max)));
}

}  // namespace

StatusConfig read_status(const YamlReader& r, const YAML::Node& node, const std::string& path,
                         const ParameterSpec& p) {
  if (!node.IsMap()) r.fail(node, path, "expected a mapping (service, when, state, message)");
  StatusConfig c;
  c.service = p.name;
  if (node["service"]) {
    c.service = r.string(node["service"], path + ".service");
    if (c.service.empty() || c.service.size() > 100 || !utf8::valid(c.service))
      r.fail(node["service"], path + ".service", "expected a name of 1 to 100 bytes");
  }
  if (p.type == ParamType::kBool) {
    r.keys(node, path, {"service", "when", "state", "message", "next_step"});
    const bool when = node["when"] ? r.boolean(node["when"], path + ".when") : true;
    c.rules.push_back(read_rule(r, node, path, when ? 1 : 0));
    return c;
  }
  if (p.type != ParamType::kInt && p.type != ParamType::kEnum)
    r.fail(node, path, "a status follows a bool, an int or an enum: its values are states");
  r.keys(node, path, {"service", "values"});
  const YAML::Node values = node["values"];
  if (!values || !values.IsMap() || values.size() == 0)
    r.fail(node, path, "needs values: a mapping from a value to its state and message");
  for (const auto& entry : values) {
    const std::string at = path + ".values." + entry.first.as<std::string>();
    if (!entry.second.IsMap()) r.fail(entry.second, at, "expected { state, message, next_step }");
    r.keys(entry.second, at, {"state", "message", "next_step"});
    const double value = value_of(r, entry.first, at, p);
    if (c.rule_for(value) != nullptr) r.fail(entry.first, at, "this value is given twice");
    c.rules.push_back(read_rule(r, entry.second, at, value));
  }
  return c;
}

}  // namespace setpoint::runner

#include "config/config.hpp"

#include <algorithm>
#include <filesystem>

#include "config/daemon_config.hpp"
#include "config/effects_config.hpp"
#include "config/yaml_reader.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/regular_file.hpp"

namespace setpoint::runner {

bool PoliciesConfig::runs(const std::string& policy) const {
  if (const auto it = overrides.find(policy); it != overrides.end() && it->second.disabled)
    return false;
  return only.empty() || std::find(only.begin(), only.end(), policy) != only.end();
}

Nanos PoliciesConfig::shadow_period(const std::string& policy, std::optional<Nanos> marked) const {
  constexpr Nanos kDefault = 30 * 60 * kNanosPerSecond;
  if (const auto it = overrides.find(policy); it != overrides.end() && it->second.shadow)
    return *it->second.shadow;
  if (marked) return *marked > 0 ? *marked : (shadow > 0 ? shadow : kDefault);
  return shadow;
}

namespace {

// Whether some resolution can give the hourly flush a whole closed hour: buckets that tile an
// hour, and a horizon past the hour and its grace.
bool holds_an_hour(const WindowConfig& windows) {
  const Nanos hour = 3600 * kNanosPerSecond;
  return std::any_of(
      windows.resolutions.begin(), windows.resolutions.end(),
      [&](const Resolution& r) { return hour % r.width == 0 && r.horizon() >= 2 * hour; });
}

void read_windows(const YamlReader& r, const YAML::Node& node, WindowConfig& windows) {
  if (!node.IsSequence() || node.size() == 0)
    r.fail(node, "telemetry.windows", "expected a list of {width, slots}");
  windows.resolutions.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = "telemetry.windows[" + std::to_string(i) + "]";
    r.keys(node[i], path, {"width", "slots"});
    if (!node[i]["width"] || !node[i]["slots"]) r.fail(node[i], path, "needs both width and slots");
    windows.resolutions.push_back(
        {r.duration(node[i]["width"], path + ".width"),
         static_cast<std::uint32_t>(r.integer(node[i]["slots"], path + ".slots", 1, 100'000))});
  }
  if (auto problem = windows.validate(); !problem.empty())
    r.fail(node, "telemetry.windows", problem);
}

void read_outcomes(const YamlReader& r, const YAML::Node& node, OutcomeSet& outcomes) {
  r.keys(node, "telemetry.outcomes", {"extra", "aliases"});
  if (const auto extra = node["extra"]) {
    if (!extra.IsSequence())
      r.fail(extra, "telemetry.outcomes.extra", "expected a list of {name, failure}");
    for (std::size_t i = 0; i < extra.size(); ++i) {
      const std::string path = "telemetry.outcomes.extra[" + std::to_string(i) + "]";
      r.keys(extra[i], path, {"name", "failure"});
      if (!extra[i]["name"]) r.fail(extra[i], path, "needs a name");
      const bool failure = extra[i]["failure"] && r.boolean(extra[i]["failure"], path + ".failure");
      if (!outcomes.add(r.string(extra[i]["name"], path + ".name"), failure)) {
        r.fail(extra[i], path, "duplicate outcome, or more than 16 outcomes");
      }
    }
  }
  if (const auto aliases = node["aliases"]) {
    if (!aliases.IsMap())
      r.fail(aliases, "telemetry.outcomes.aliases", "expected a mapping alias: outcome");
    for (const auto& entry : aliases) {
      const std::string alias = entry.first.as<std::string>();
      const std::string target = r.string(entry.second, "telemetry.outcomes.aliases." + alias);
      if (!outcomes.alias(alias, target)) {
        r.fail(entry.second, "telemetry.outcomes.aliases." + alias,
               "\"" + target + "\" is not an outcome");
      }
    }
  }
}

// outcome_codes: { error: [5xx, 429], timeout: [504] } — codes, "Nxx" classes or "lo-hi".
void read_outcome_codes(const YamlReader& r, const YAML::Node& node, const std::string& path,
                        TelemetrySchema& schema) {
  if (!node.IsMap())
    r.fail(node, path, "expected a mapping outcome: [codes], like error: [5xx, 429]");
  schema.outcome_codes.clear();
  for (const auto& entry : node) {
    const std::string outcome = r.string(entry.first, path);
    const std::string at = path + "." + outcome;
    for (const auto& code : r.strings(entry.second, at)) {
      OutcomeCodes c{0, 0, outcome};
      const auto dash = code.find('-');
      std::optional<std::int64_t> lo, hi;
      if (code.size() == 3 && code.substr(1) == "xx") {
        lo = parse_integer(code.substr(0, 1));
        if (lo) {
          *lo *= 100;
          hi = *lo + 99;
        }
      } else if (dash != std::string::npos) {
        lo = parse_integer(code.substr(0, dash));
        hi = parse_integer(code.substr(dash + 1));
      } else {
        lo = hi = parse_integer(code);
      }
      if (!lo || !hi || *lo > *hi || *lo < 0)
        r.fail(entry.second, at,
               "\"" + code + "\" is not a status code, a class like 5xx or a range like 500-599");
      c.lo = *lo;
      c.hi = *hi;
      schema.outcome_codes.push_back(c);
    }
  }
}

void read_mapping(const YamlReader& r, const YAML::Node& node, TelemetrySchema& schema) {
  const std::string path = "telemetry.mapping";
  r.keys(node, path,
         {"ts", "ts_unit", "metric", "metric_name", "value", "outcome", "outcome_codes", "labels",
          "label_fields"});
  if (node["ts"]) schema.ts_fields = r.strings(node["ts"], path + ".ts");
  if (node["ts_unit"]) {
    const std::string unit = r.string(node["ts_unit"], path + ".ts_unit");
    if (unit == "s")
      schema.ts_unit = TsUnit::kSeconds;
    else if (unit == "ms")
      schema.ts_unit = TsUnit::kMillis;
    else if (unit == "us")
      schema.ts_unit = TsUnit::kMicros;
    else if (unit == "ns")
      schema.ts_unit = TsUnit::kNanos;
    else
      r.fail(node["ts_unit"], path + ".ts_unit",
             "expected s, ms, us or ns (what a numeric timestamp counts since the epoch)");
  }
  if (node["metric_name"])
    schema.metric_name = r.string(node["metric_name"], path + ".metric_name");
  if (const auto codes = node["outcome_codes"])
    read_outcome_codes(r, codes, path + ".outcome_codes", schema);
  if (node["value"]) schema.value_fields = r.strings(node["value"], path + ".value");
  if (node["outcome"]) schema.outcome_fields = r.strings(node["outcome"], path + ".outcome");
  if (node["labels"]) schema.labels_field = r.string(node["labels"], path + ".labels");
  if (node["label_fields"])
    schema.label_fields = r.strings(node["label_fields"], path + ".label_fields");
  if (const auto metric = node["metric"]) {
    // A list of alternatives, each a field or a list of fields joined with '.'.
    if (!metric.IsSequence() || metric.size() == 0)
      r.fail(metric, path + ".metric", "expected a list of alternatives");
    schema.metric_fields.clear();
    for (std::size_t i = 0; i < metric.size(); ++i) {
      const std::string at = path + ".metric[" + std::to_string(i) + "]";
      schema.metric_fields.push_back(metric[i].IsSequence()
                                         ? r.strings(metric[i], at)
                                         : std::vector<std::string>{r.string(metric[i], at)});
      if (schema.metric_fields.back().empty() || schema.metric_fields.back().size() > 4) {
        r.fail(metric[i], at, "an alternative names 1 to 4 fields");
      }
    }
  }
}

void read_validation(const YamlReader& r, const YAML::Node& node, TelemetrySchema& schema) {
  const std::string path = "telemetry.validation";
  r.keys(node, path,
         {"required", "schema_versions", "require_ts", "max_future_skew", "max_past_skew",
          "min_value", "max_value", "max_labels", "max_label_bytes", "max_line_bytes"});
  if (node["required"]) schema.required = r.strings(node["required"], path + ".required");
  if (const auto versions = node["schema_versions"]) {
    if (!versions.IsSequence())
      r.fail(versions, path + ".schema_versions", "expected a list of integers");
    for (std::size_t i = 0; i < versions.size(); ++i) {
      schema.schema_versions.push_back(r.integer(
          versions[i], path + ".schema_versions[" + std::to_string(i) + "]", 0, 1'000'000));
    }
  }
  if (node["require_ts"]) schema.require_ts = r.boolean(node["require_ts"], path + ".require_ts");
  if (node["max_future_skew"])
    schema.max_future_skew = r.duration(node["max_future_skew"], path + ".max_future_skew");
  if (node["max_past_skew"])
    schema.max_past_skew = r.duration(node["max_past_skew"], path + ".max_past_skew");
  if (node["min_value"]) schema.min_value = r.number(node["min_value"], path + ".min_value");
  if (node["max_value"]) schema.max_value = r.number(node["max_value"], path + ".max_value");
  if (schema.min_value > schema.max_value)
    r.fail(node, path, "min_value is greater than max_value");
  if (node["max_labels"])
    schema.max_labels = r.integer(node["max_labels"], path + ".max_labels", 0, 64);
  if (node["max_label_bytes"])
    schema.max_label_bytes =
        r.integer(node["max_label_bytes"], path + ".max_label_bytes", 1, 65'536);
  if (node["max_line_bytes"])
    schema.max_line_bytes =
        r.integer(node["max_line_bytes"], path + ".max_line_bytes", 64, 64 << 20);
}

void read_redaction(const YamlReader& r, const YAML::Node& node, TelemetryConfig& t) {
  const std::string path = "telemetry.redaction";
  r.keys(node, path, {"key", "fields"});
  if (node["key"]) t.redaction_key = r.string(node["key"], path + ".key");
  if (const auto fields = node["fields"]) {
    if (!fields.IsMap()) r.fail(fields, path + ".fields", "expected a mapping field: drop|hash");
    for (const auto& entry : fields) {
      const std::string field = entry.first.as<std::string>();
      const std::string action = r.string(entry.second, path + ".fields." + field);
      if (action != "drop" && action != "hash")
        r.fail(entry.second, path + ".fields." + field, "expected drop or hash");
      t.redact.push_back({field, action == "drop" ? RedactAction::kDrop : RedactAction::kHash});
    }
    const bool hashes = std::any_of(t.redact.begin(), t.redact.end(), [](const auto& rule) {
      return rule.action == RedactAction::kHash;
    });
    if (hashes && t.redaction_key.size() < 16) {
      r.fail(node, path + ".key", "hashing needs a key of at least 16 characters (use ${ENV_VAR})");
    }
  }
}

void read_telemetry(const YamlReader& r, const YAML::Node& node, TelemetryConfig& t) {
  r.keys(node, "telemetry",
         {"sources", "windows", "outcomes", "max_series", "mapping", "validation", "redaction",
          "quarantine"});
  if (node["sources"]) read_sources(r, node["sources"], t);
  if (node["windows"]) read_windows(r, node["windows"], t.windows);
  if (node["outcomes"]) read_outcomes(r, node["outcomes"], t.outcomes);
  if (node["max_series"])
    t.max_series = r.integer(node["max_series"], "telemetry.max_series", 1, 10'000'000);
  if (node["mapping"]) {
    read_mapping(r, node["mapping"], t.schema);
    if (const auto roles = t.schema.check_roles(); !roles) {
      r.fail(node["mapping"], "telemetry.mapping", roles.error() + ": a field fills one role");
    }
    for (const auto& c : t.schema.outcome_codes) {
      if (!t.outcomes.find(c.outcome)) {
        r.fail(node["mapping"]["outcome_codes"], "telemetry.mapping.outcome_codes",
               "\"" + c.outcome + "\" is not an outcome (telemetry.outcomes declares them)");
      }
    }
  }
  if (node["validation"]) read_validation(r, node["validation"], t.schema);
  if (node["redaction"]) read_redaction(r, node["redaction"], t);
  if (const YAML::Node q = node["quarantine"]; q && q.IsMap()) {
    r.keys(q, "telemetry.quarantine", {"file", "max_bytes"});
    if (!q["file"]) r.fail(q, "telemetry.quarantine", "needs a file");
    t.quarantine_path = r.string(q["file"], "telemetry.quarantine.file");
    if (q["max_bytes"]) {
      t.quarantine_max_bytes = static_cast<std::size_t>(
          r.integer(q["max_bytes"], "telemetry.quarantine.max_bytes", 4096, 1LL << 40));
    }
  } else if (q) {
    t.quarantine_path = r.string(q, "telemetry.quarantine");
  }
}

}  // namespace

AggregatorOptions Config::aggregator_options() const {
  return {telemetry.windows, telemetry.outcomes, telemetry.max_series};
}

Redactor Config::redactor() const { return Redactor(telemetry.redact, telemetry.redaction_key); }

Result<Config> parse_config(const std::string& text, const std::string& name) {
  Config config;
  config.path = name;
  try {
    YamlReader r(name);
    const YAML::Node root = r.load(text);
    if (root.IsNull()) return config;  // an empty file: all defaults
    r.keys(
        root, "(top level)",
        {"engine", "telemetry", "policies", "control_plane", "parameters", "actions", "autopilot"});
    if (root["engine"]) read_engine(r, root["engine"], config.engine);
    // Before the parameters: their sliding_bounds take the autopilot's defaults.
    if (root["autopilot"]) read_autopilot(r, root["autopilot"], config.autopilot);
    if (root["telemetry"]) read_telemetry(r, root["telemetry"], config.telemetry);
    if (root["policies"]) read_policies(r, root["policies"], config.policies);
    if (root["control_plane"]) read_control_plane(r, root["control_plane"], config.control_plane);
    if (root["parameters"]) read_parameters(r, root["parameters"], config);
    if (root["actions"]) read_actions(r, root["actions"], config);
    if (config.engine.history.enabled && !holds_an_hour(config.telemetry.windows)) {
      r.fail(
          root["telemetry"] && root["telemetry"]["windows"] ? root["telemetry"]["windows"] : root,
          "telemetry.windows",
          "the hourly history (engine.history) needs a resolution whose buckets divide an "
          "hour and that holds at least two (the default 5m x 288 does); or set "
          "engine.history.enabled: false");
    }
    for (const auto& a : config.actions) {
      if (!a.undo_action.empty() &&
          std::none_of(config.actions.begin(), config.actions.end(),
                       [&](const ActionSpec& other) { return other.name == a.undo_action; })) {
        r.fail(root["actions"][a.name]["undo_action"], "actions." + a.name + ".undo_action",
               "\"" + a.undo_action + "\" is not a declared action");
      }
      if (config.actuators.count(a.name) &&
          std::any_of(config.parameters.begin(), config.parameters.end(),
                      [&](const ParameterSpec& p) { return p.name == a.name; })) {
        r.fail(root["actions"][a.name], "actions." + a.name, "a parameter has the same name");
      }
    }
  } catch (const ConfigFault& fault) {
    return Error{fault.what()};
  } catch (const YAML::Exception& e) {
    return Error{name + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  return config;
}

namespace {

// A config's relative paths are its folder's: `check` from inside the folder and `run` from
// anywhere else read the same files. A program named without a slash is looked up in PATH.
void resolve_relative_paths(Config& c, const std::filesystem::path& base) {
  if (base.empty()) return;
  const auto resolve = [&](std::string& path) {
    if (!path.empty() && std::filesystem::path(path).is_relative())
      path = (base / path).lexically_normal().string();
  };
  resolve(c.engine.state_path);
  resolve(c.engine.decision_log);
  for (auto& f : c.telemetry.files) {
    resolve(f.path);
    resolve(f.checkpoint);
  }
  resolve(c.telemetry.quarantine_path);
  resolve(c.policies.dir);
  resolve(c.control_plane.tokens_file);
  for (auto& [_, a] : c.actuators) {
    resolve(a.path);
    if (!a.argv.empty() && a.argv[0].find('/') != std::string::npos) resolve(a.argv[0]);
  }
}

}  // namespace

Result<Config> load_config(const std::string& path) {
  const auto text = read_regular_file(path, kMaxConfigBytes);
  if (!text) return Error{text.error()};
  auto parsed = parse_config(*text, path);
  if (parsed) resolve_relative_paths(*parsed, std::filesystem::path(path).parent_path());
  return parsed;
}

}  // namespace setpoint::runner

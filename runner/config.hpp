#pragma once
// The setpoint configuration file (YAML). Loading checks everything it can before anything
// runs: unknown keys, wrong types, impossible values; each error names file:line:column.
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "setpoint/aggregator.hpp"
#include "setpoint/decision.hpp"
#include "setpoint/guard.hpp"
#include "setpoint/redactor.hpp"
#include "setpoint/telemetry_schema.hpp"

namespace setpoint::runner {

struct TelemetryConfig {
  TelemetrySchema schema;
  WindowConfig windows;
  OutcomeSet outcomes;
  std::size_t max_series = 10'000;
  std::vector<RedactRule> redact;
  std::string redaction_key;  // a secret: never logged
  std::string quarantine_path;
};

// How a parameter or action reaches the outside world.
struct ActuatorConfig {
  std::string type = "log";       // file, exec, inproc, log
  std::string path;               // file
  std::string key;                // file and inproc: where the value lives
  std::vector<std::string> argv;  // exec
  Nanos timeout = 10 * kNanosPerSecond;
};

struct EngineConfig {
  Mode mode = Mode::kObserve;  // the global ceiling
  bool dry_run = false;        // forces observe everywhere
  std::string state_path = "setpoint.db";
  GuardLimits caps;
  Nanos proposal_ttl = 15 * 60 * kNanosPerSecond;
  Nanos drift_pin = 30 * 60 * kNanosPerSecond;
};

struct Config {
  std::string path;  // where it was loaded from; empty for the built-in defaults
  EngineConfig engine;
  TelemetryConfig telemetry;
  std::vector<ParameterSpec> parameters;
  std::vector<ActionSpec> actions;
  std::map<std::string, ActuatorConfig> actuators;  // by parameter or action name
  std::map<std::string, Mode> target_modes;
  // Where each parameter's or action's `policies:` list is ("file:line:col"), for errors
  // found once the policies are known.
  std::map<std::string, std::string> grant_places;

  AggregatorOptions aggregator_options() const;
  Redactor redactor() const;
};

struct ConfigError {
  std::string message;  // "file:line:column: what is wrong"
};

std::variant<Config, ConfigError> load_config(const std::string& path);
std::variant<Config, ConfigError> parse_config(const std::string& text, const std::string& name);

}  // namespace setpoint::runner

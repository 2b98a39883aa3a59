#pragma once
// The setpoint configuration file (YAML). Loading checks everything it can before anything
// runs: unknown keys, wrong types, impossible values; each error names file:line:column.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "setpoint/aggregator.hpp"
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

struct Config {
  std::string path;  // where it was loaded from; empty for the built-in defaults
  TelemetryConfig telemetry;

  AggregatorOptions aggregator_options() const;
  Redactor redactor() const;
};

struct ConfigError {
  std::string message;  // "file:line:column: what is wrong"
};

std::variant<Config, ConfigError> load_config(const std::string& path);
std::variant<Config, ConfigError> parse_config(const std::string& text, const std::string& name);

}  // namespace setpoint::runner

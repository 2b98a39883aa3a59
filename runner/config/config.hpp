#pragma once
// The setpoint configuration file (YAML). Loading checks everything it can before anything
// runs: unknown keys, wrong types, impossible values; each error names file:line:column.
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/actuator_config.hpp"
#include "config/autopilot_config.hpp"
#include "config/rollout_config.hpp"
#include "config/status_config.hpp"
#include "setpoint/audit/decision.hpp"
#include "setpoint/base/result.hpp"
#include "setpoint/guard/guard.hpp"
#include "setpoint/telemetry/redactor.hpp"
#include "setpoint/telemetry/schema.hpp"
#include "setpoint/windows/aggregator.hpp"

namespace setpoint::runner {

// A JSON-lines file followed like `tail -F`.
struct FileSourceConfig {
  std::string path;
  std::string checkpoint;     // where the read position is kept across restarts (empty: none)
  bool start_at_end = false;  // without a checkpoint (or a new file): from its end, not its start
  bool operator==(const FileSourceConfig&) const = default;
};

struct TelemetryConfig {
  std::vector<FileSourceConfig> files;
  TelemetrySchema schema;
  WindowConfig windows;
  OutcomeSet outcomes;
  std::size_t max_series = 10'000;
  std::vector<RedactRule> redact;
  std::string redaction_key;  // a secret: never logged
  std::string quarantine_path;
  std::size_t quarantine_max_bytes = 64u << 20;  // rotated to <path>.1 past this
};

// The durable KPI history: every series rolled up per hour into the state store.
struct HistoryConfig {
  bool enabled = true;
  Nanos retention = 35 * 24 * 3600 * kNanosPerSecond;
  std::size_t max_series = 10'000;  // per hour; the rest are counted
};

struct EngineConfig {
  Nanos tick = kNanosPerSecond;  // how often due policies are looked for
  Mode mode = Mode::kObserve;    // the global ceiling
  bool dry_run = false;          // forces observe everywhere
  std::string state_path = "setpoint.db";
  GuardLimits caps;
  Nanos proposal_ttl = 15 * 60 * kNanosPerSecond;
  Nanos patch_ttl = 7 * 24 * 3600 * kNanosPerSecond;  // a bounds patch waits for a person
  Nanos drift_pin = 30 * 60 * kNanosPerSecond;
  Nanos rollback_hold = 30 * 60 * kNanosPerSecond;  // an operator's rollback is pinned this long
  std::size_t actuator_threads = 2;
  std::string decision_log;  // a JSON-lines copy of every decision (empty: none)
  HistoryConfig history;
};

// What config says about one policy, over what its file says.
struct PolicyOverride {
  std::optional<Mode> mode;
  std::optional<Nanos> every;
  std::optional<std::string> schedule;
  std::optional<std::size_t> memory;  // bytes
  std::optional<Nanos> cpu;
  bool disabled = false;
  std::optional<Nanos> shadow;  // this policy's shadow period; 0: its new versions go live at once
};

struct PoliciesConfig {
  std::string dir = "policies";
  std::size_t memory = 16u << 20;   // per policy
  Nanos cpu = 50 * kNanosPerMilli;  // per evaluation
  int failures_to_quarantine = 3;
  Nanos quarantine_backoff = 30 * kNanosPerSecond;
  bool test_gate = true;                            // a new version must pass its own *_test.lua
  std::map<std::string, PolicyOverride> overrides;  // by policy name
  // When given, only these policies of the folder run; the others are loaded and checked,
  // never run (a shared folder of seed policies, one scenario or service using a few).
  std::vector<std::string> only;
  // A new version of a running policy first runs beside it, in observe mode, for this long
  // (0: never, unless its file's first line asks: `-- setpoint: shadow`), then is promoted if
  // it diverged at most shadow_max_divergences times and never to a bound; else it waits for
  // an operator.
  Nanos shadow = 0;
  std::uint64_t shadow_max_divergences = 0;

  bool runs(const std::string& policy) const;
  // How long a new version of `policy` shadows the running one: `marked` is what its file's
  // first line asks (0: the configured period, or 30m when none is); 0: it goes live at once.
  Nanos shadow_period(const std::string& policy, std::optional<Nanos> marked) const;
};

struct ControlPlaneConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";
  int port = 9464;
  std::string tokens_file;  // empty: every mutation is refused (401)
  std::size_t max_body_bytes = 4u << 20;
  unsigned max_connections = 256;
  Nanos header_timeout = 10 * kNanosPerSecond;   // from connect to the end of the request's headers
  Nanos request_timeout = 60 * kNanosPerSecond;  // then its body and the answer
  bool dashboard = true;                         // the web page at /
  bool operator==(const ControlPlaneConfig&) const = default;
};

struct Config {
  std::string path;  // where it was loaded from; empty for the built-in defaults
  EngineConfig engine;
  TelemetryConfig telemetry;
  PoliciesConfig policies;
  ControlPlaneConfig control_plane;
  std::vector<ParameterSpec> parameters;
  std::vector<ActionSpec> actions;
  std::map<std::string, ActuatorConfig> actuators;  // by parameter or action name
  std::map<std::string, Mode> target_modes;
  AutopilotConfig autopilot;
  std::map<std::string, SlidingBoundsConfig> sliding_bounds;  // by parameter
  std::map<std::string, RolloutConfig> rollouts;              // by parameter
  std::map<std::string, StatusConfig> statuses;               // by parameter: /v1/status
  // Where each parameter's or action's `policies:` list is ("file:line:col"), for errors
  // found once the policies are known.
  std::map<std::string, std::string> grant_places;

  AggregatorOptions aggregator_options() const;
  Redactor redactor() const;
};

// The config, or "file:line:column: what is wrong".
Result<Config> load_config(const std::string& path);
Result<Config> parse_config(const std::string& text, const std::string& name);

}  // namespace setpoint::runner

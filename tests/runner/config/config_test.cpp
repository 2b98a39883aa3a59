#include "config/config.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <variant>

#include "support/config_helpers.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::error_of;
using setpoint::testing::ok;
using setpoint::testing::write_file;

TEST_CASE("an empty config is all defaults") {
  const Config c = ok("");
  CHECK(c.telemetry.max_series == 10'000);
  CHECK(c.telemetry.windows.resolutions.size() == 3);
  CHECK(c.telemetry.schema.value_fields == std::vector<std::string>{"value", "latency_ms"});
}

TEST_CASE("every telemetry setting is read") {
  ::setenv("SETPOINT_TEST_KEY", "0123456789abcdef-secret", 1);
  const Config c = ok(R"(
engine: { history: { enabled: false } }  # these windows hold an hour, not two
telemetry:
  windows:
    - { width: 1s, slots: 30 }
    - { width: 1m, slots: 60 }
  max_series: 500
  outcomes:
    extra: [{ name: rejected, failure: true }, { name: cancelled }]
    aliases: { fail: error }
  mapping:
    ts: [time]
    metric: [[svc, op], name]
    value: [duration]
    outcome: [status]
    labels: tags
    label_fields: [region]
  validation:
    required: [trace_id]
    schema_versions: [2]
    require_ts: true
    max_future_skew: 1m
    max_past_skew: 2h
    min_value: 0
    max_value: 60000
    max_labels: 8
    max_label_bytes: 100
    max_line_bytes: 65536
  redaction:
    key: ${SETPOINT_TEST_KEY}
    fields: { user_id: hash, email: drop }
  quarantine: /tmp/q.jsonl
)");
  const auto& t = c.telemetry;
  CHECK(t.windows.resolutions[1].width == 60 * kNanosPerSecond);
  CHECK(t.windows.resolutions[1].slots == 60);
  CHECK(t.max_series == 500);
  CHECK(t.outcomes.find("rejected") == 3);
  CHECK(t.outcomes.failure(3));
  CHECK_FALSE(t.outcomes.failure(4));
  CHECK(t.outcomes.find("fail") == OutcomeSet::kError);
  CHECK(t.schema.ts_fields == std::vector<std::string>{"time"});
  CHECK(t.schema.metric_fields == std::vector<std::vector<std::string>>{{"svc", "op"}, {"name"}});
  CHECK(t.schema.labels_field == "tags");
  CHECK(t.schema.label_fields == std::vector<std::string>{"region"});
  CHECK(t.schema.required == std::vector<std::string>{"trace_id"});
  CHECK(t.schema.schema_versions == std::vector<std::int64_t>{2});
  CHECK(t.schema.require_ts);
  CHECK(t.schema.max_future_skew == 60 * kNanosPerSecond);
  CHECK(t.schema.max_past_skew == 7200 * kNanosPerSecond);
  CHECK(t.schema.max_value == 60000);
  CHECK(t.schema.max_labels == 8);
  CHECK(t.schema.max_line_bytes == 65536);
  CHECK(t.redaction_key == "0123456789abcdef-secret");
  REQUIRE(t.redact.size() == 2);
  CHECK(t.quarantine_path == "/tmp/q.jsonl");
}

TEST_CASE("engine.history is read, and refused with windows that cannot hold a closed hour") {
  const Config c = ok("engine: { history: { retention: 7d, max_series: 500 } }\n");
  CHECK(c.engine.history.enabled);
  CHECK(c.engine.history.retention == 7 * 24 * 3600 * kNanosPerSecond);
  CHECK(c.engine.history.max_series == 500);
  CHECK(error_of("engine: { history: { retention: 1h } }\n") ==
        "test.yaml:1:33: engine.history.retention: must be between 2h and 400d");
  CHECK(error_of("telemetry:\n  windows:\n    - { width: 1m, slots: 60 }\n") ==
        "test.yaml:3:5: telemetry.windows: the hourly history (engine.history) needs a resolution "
        "whose buckets divide an hour and that holds at least two (the default 5m x 288 does); or "
        "set engine.history.enabled: false");
  CHECK(ok("engine: { history: { enabled: false } }\ntelemetry:\n  windows:\n"
           "    - { width: 1m, slots: 60 }\n")
            .telemetry.windows.resolutions.size() == 1);
}

TEST_CASE("config errors name the file, line, column, key path and the problem") {
  CHECK(error_of("telemetry:\n  windw: []\n") ==
        "test.yaml:2:3: telemetry: unknown key \"windw\" (expected one of: sources, windows, "
        "outcomes, max_series, mapping, "
        "validation, redaction, quarantine)");
  CHECK(error_of("engin: {}\n").rfind("test.yaml:1:1: (top level): unknown key \"engin\"", 0) == 0);
  // A key given twice is refused wherever it is (yaml-cpp keeps the first silently), in block
  // and flow style, at the top and inside a user-named map; an alias is not expanded for it.
  CHECK(
      error_of(
          "control_plane: { listen: 127.0.0.1:9999 }\ncontrol_plane: { listen: 127.0.0.1:0 }\n") ==
      "test.yaml:2:1: key \"control_plane\" is given twice in one mapping (first at line 1); YAML "
      "keeps only one of them");
  CHECK(error_of("engine: { interval: 1s, interval: 2s }\n") ==
        "test.yaml:1:25: key \"interval\" is given twice in one mapping (first at line 1); YAML "
        "keeps only one of them");
  CHECK(error_of("parameters:\n  a: { type: int, initial: 1, min: 0, max: 9 }\n  a: { type: int, "
                 "initial: 2, min: 0, max: 9 }\n")
            .rfind("test.yaml:3:3: key \"a\" is given twice", 0) == 0);
  CHECK(error_of("x: &a { k: 1 }\ny: *a\n").find("given twice") == std::string::npos);
  CHECK(error_of("engine: { mode: observe }\n---\nengine: { mode: enforce }\n") ==
        "test.yaml:2:1: a second YAML document (after ---): the file must be one document");
  CHECK(parse_config("---\nengine: { mode: observe }\n", "test.yaml").ok());  // one, marked
  CHECK(error_of("engin\xff: {}\n").find("unknown key \"engin\xef\xbf\xbd\"") != std::string::npos);
  CHECK(error_of("telemetry:\n  max_series: lots\n") ==
        "test.yaml:2:15: telemetry.max_series: expected an integer, got \"lots\"");
  CHECK(error_of("telemetry:\n  max_series: 0\n") ==
        "test.yaml:2:15: telemetry.max_series: 0 is outside [1, 10000000]");
  CHECK(error_of("telemetry:\n  windows:\n    - { width: 5 sec, slots: 10 }\n") ==
        "test.yaml:3:16: telemetry.windows[0].width: \"5 sec\" is not a duration like 30s, 5m or "
        "24h");
  CHECK(error_of("telemetry:\n  windows:\n    - { width: 10s, slots: 6 }\n    - { width: 1s, "
                 "slots: 60 }\n") ==
        "test.yaml:3:5: telemetry.windows: resolution 1: widths must grow from finest to coarsest");
  CHECK(error_of("telemetry:\n  validation:\n    min_value: 5\n    max_value: 1\n") ==
        "test.yaml:3:5: telemetry.validation: min_value is greater than max_value");
  CHECK(error_of("telemetry:\n  redaction:\n    fields: { email: scramble }\n") ==
        "test.yaml:3:22: telemetry.redaction.fields.email: expected drop or hash");
  CHECK(error_of("telemetry:\n  redaction:\n    fields: { email: hash }\n") ==
        "test.yaml:3:5: telemetry.redaction.key: hashing needs a key of at least 16 characters "
        "(use ${ENV_VAR})");
  CHECK(error_of("telemetry:\n  redaction:\n    key: ${SETPOINT_SURELY_UNSET_VAR}\n") ==
        "test.yaml:3:10: telemetry.redaction.key: environment variable SETPOINT_SURELY_UNSET_VAR "
        "is not set");
  CHECK(error_of("telemetry:\n  outcomes:\n    aliases: { fail: nope }\n") ==
        "test.yaml:3:22: telemetry.outcomes.aliases.fail: \"nope\" is not an outcome");
  CHECK(error_of("telemetry: [1, 2\n").rfind("test.yaml:", 0) == 0);
}

TEST_CASE("a missing config file is an error, not a crash") {
  auto result = load_config("/nonexistent/setpoint.yaml");
  REQUIRE(!result.ok());
  CHECK(result.error() == "cannot open /nonexistent/setpoint.yaml: No such file or directory");
}

TEST_CASE(
    "telemetry mapping: ts_unit, a constant metric name, outcome codes; two roles for one field is "
    "an error") {
  const Config c = ok(R"(
telemetry:
  mapping:
    ts_unit: s
    metric: [op]
    metric_name: rpc
    label_fields: [svc]
    outcome_codes: { error: [5xx, 429], timeout: [504, 520-524] }
  quarantine: { file: q.jsonl, max_bytes: 1048576 }
)");
  const auto& s = c.telemetry.schema;
  CHECK(s.ts_unit == TsUnit::kSeconds);
  CHECK(s.metric_name == "rpc");
  REQUIRE(s.outcome_codes.size() == 4);
  CHECK(s.outcome_codes[0].lo == 500);
  CHECK(s.outcome_codes[0].hi == 599);
  CHECK(s.outcome_codes[1].lo == 429);
  CHECK(s.outcome_codes[3].lo == 520);
  CHECK(s.outcome_codes[3].hi == 524);
  CHECK(c.telemetry.quarantine_path == "q.jsonl");
  CHECK(c.telemetry.quarantine_max_bytes == 1048576);
  CHECK(error_of("telemetry:\n  mapping: { metric: [op], label_fields: [svc, op] }\n") ==
        "test.yaml:2:12: telemetry.mapping: op is both a metric field and a label field: a field "
        "fills one role");
  CHECK(error_of("telemetry:\n  mapping: { ts_unit: seconds }\n") ==
        "test.yaml:2:23: telemetry.mapping.ts_unit: expected s, ms, us or ns (what a numeric "
        "timestamp counts since the epoch)");
  CHECK(error_of("telemetry:\n  mapping: { outcome_codes: { error: [5x] } }\n") ==
        "test.yaml:2:38: telemetry.mapping.outcome_codes.error: \"5x\" is not a status code, a "
        "class like 5xx or a range like 500-599");
  CHECK(error_of("telemetry:\n  mapping: { outcome_codes: { broken: [500] } }\n") ==
        "test.yaml:2:29: telemetry.mapping.outcome_codes: \"broken\" is not an outcome "
        "(telemetry.outcomes declares them)");
}

TEST_CASE("a config's relative paths are its folder's, whatever the working directory") {
  setpoint::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "conf");
  setpoint::testing::write_file(dir.file("conf/setpoint.yaml"), R"(
engine: { state_path: out/s.db, decision_log: out/d.jsonl }
telemetry:
  sources: [{ file: live.jsonl, checkpoint: out/live.checkpoint }, { file: /var/log/abs.jsonl }]
  quarantine: out/q.jsonl
policies: { dir: ../policies }
control_plane: { tokens_file: tokens.yaml }
parameters:
  a: { type: int, initial: 1, min: 0, max: 9, policies: [p], actuator: { type: file, path: app.json, key: a } }
  b: { type: int, initial: 1, min: 0, max: 9, policies: [p], actuator: { type: exec, argv: [./apply.sh, "{value}"] } }
  c: { type: int, initial: 1, min: 0, max: 9, policies: [p], actuator: { type: exec, argv: [kubectl, "{value}"] } }
)");
  auto loaded = load_config(dir.file("conf/setpoint.yaml"));
  REQUIRE(loaded.ok());
  const Config& c = loaded.value();
  const std::string conf = dir.file("conf");
  CHECK(c.engine.state_path == conf + "/out/s.db");
  CHECK(c.engine.decision_log == conf + "/out/d.jsonl");
  CHECK(c.telemetry.files[0].path == conf + "/live.jsonl");
  CHECK(c.telemetry.files[0].checkpoint == conf + "/out/live.checkpoint");
  CHECK(c.telemetry.files[1].path == "/var/log/abs.jsonl");
  CHECK(c.telemetry.quarantine_path == conf + "/out/q.jsonl");
  CHECK(c.policies.dir == dir.file("policies"));
  CHECK(c.control_plane.tokens_file == conf + "/tokens.yaml");
  CHECK(c.actuators.at("a").path == conf + "/app.json");
  CHECK(c.actuators.at("b").argv[0] == conf + "/apply.sh");
  CHECK(c.actuators.at("c").argv[0] == "kubectl");  // looked up in PATH
}

TEST_CASE("shadow periods: config's, a policy's override, and the file's mark") {
  const auto config = parse_config(
      "policies:\n  shadow: 1h\n  shadow_max_divergences: 3\n  overrides:\n"
      "    fast: { shadow: off }\n    slow: { shadow: 2h }\n",
      "test.yaml");
  REQUIRE(config.ok());
  const PoliciesConfig& p = config->policies;
  constexpr Nanos kHour = 3600 * kNanosPerSecond;
  CHECK(p.shadow == kHour);
  CHECK(p.shadow_max_divergences == 3);
  CHECK(p.shadow_period("other", std::nullopt) == kHour);
  CHECK(p.shadow_period("fast", Nanos{0}) == 0);  // the override wins over the file's mark
  CHECK(p.shadow_period("slow", std::nullopt) == 2 * kHour);
  CHECK(p.shadow_period("other", 5 * kNanosPerSecond) == 5 * kNanosPerSecond);
  CHECK(p.shadow_period("other", Nanos{0}) == kHour);  // a bare mark: config's period
  const auto plain = parse_config("", "test.yaml");
  CHECK(plain->policies.shadow_period("any", std::nullopt) == 0);  // off by default
  CHECK(plain->policies.shadow_period("any", Nanos{0}) == 1800 * kNanosPerSecond);  // 30m

  CHECK(error_of("policies: { shadow: 500ms }\n") ==
        "test.yaml:1:21: policies.shadow: must be between 1s and 30d, or off");
  CHECK(error_of("policies: { shadow: soon }\n") ==
        "test.yaml:1:21: policies.shadow: \"soon\" is not a duration like 30s, 5m or 24h");
  CHECK(error_of("policies: { overrides: { a: { shadow: 31d } } }\n") ==
        "test.yaml:1:39: policies.overrides.a.shadow: must be between 1s and 30d, or off");
  CHECK(error_of("policies: { shadow_max_divergences: -1 }\n") ==
        "test.yaml:1:37: policies.shadow_max_divergences: -1 is outside [0, 1000000]");
}

#include <catch2/catch.hpp>
#include <variant>

#include "config/config.hpp"
#include "support/config_helpers.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::error_of;
using setpoint::testing::ok;

namespace {

const char* kFull = R"(
engine:
  mode: enforce
  dry_run: true
  state_path: /var/lib/setpoint/state.db
  caps: { per_policy_per_hour: 20, global_per_hour: 60 }
  proposal_ttl: 10m
  drift_pin: 1h
parameters:
  checkout.max_concurrency:
    type: int
    initial: 100
    min: 10
    max: 500
    up:
      max_step: 10
      cooldown: 30s
      deadband: 2
      rate: [{ limit: 100%, period: 15s }, { limit: 4, period: 15s }]
      select: max
    down: { max_step: 50%, cooldown: 10s, select: min }
    stabilization: 5m
    settle: { group: checkout, time: 1m }
    sustained: { m: 3, n: 5 }
    policies: [aimd_concurrency]
    mode: propose
    actuator: { type: file, path: /etc/app/limits.yaml, key: checkout.max_concurrency }
    verify: { series: "http.server{service=checkout}", stat: p99, window: 5m, worse_by: 20% }
  checkout.timeout:
    type: duration
    initial: 250ms
    min: 50ms
    max: 5s
    policies: [timeout_tuning]
  routing.mode:
    type: enum
    choices: [primary, secondary]
    initial: primary
    policies: [fallback_routing]
actions:
  disable_rule:
    args:
      rule: { type: string, allowed: [fraud-velocity, geo-block] }
      minutes: { type: int, min: 1, max: 60, required: false }
    cooldown: 15m
    cooldown_key: rule
    max_per_hour: 4
    undo_after: 15m
    undo_action: enable_rule
    policies: [rule_circuit_breaker]
    actuator: { type: exec, argv: [/usr/local/bin/rulectl, disable, "{arg:rule}"], timeout: 5s }
  enable_rule:
    args:
      rule: { type: string, allowed: [fraud-velocity, geo-block] }
      minutes: { type: int, min: 1, max: 60, required: false }
    policies: []
    actuator: { type: exec, argv: [/usr/local/bin/rulectl, enable, "{arg:rule}"] }
)";

}  // namespace

TEST_CASE("engine, parameters and actions are read in full") {
  const Config c = ok(kFull);
  CHECK(c.engine.mode == Mode::kEnforce);
  CHECK(c.engine.dry_run);
  CHECK(c.engine.state_path == "/var/lib/setpoint/state.db");
  CHECK(c.engine.caps.per_policy_per_hour == 20);
  CHECK(c.engine.caps.global_per_hour == 60);
  CHECK(c.engine.proposal_ttl == 600 * kNanosPerSecond);
  REQUIRE(c.parameters.size() == 3);
  const ParameterSpec& p = c.parameters[0];
  CHECK(p.name == "checkout.max_concurrency");
  CHECK(p.type == ParamType::kInt);
  CHECK(p.min == 10);
  CHECK(p.up.max_step->amount == 10);
  CHECK(p.up.max_step->unit == StepLimit::Unit::kAbsolute);
  CHECK(p.down.max_step->unit == StepLimit::Unit::kPercent);
  CHECK(p.up.rate.size() == 2);
  CHECK(p.up.rate[0].limit.unit == StepLimit::Unit::kPercent);
  CHECK(p.up.rate[1].period == 15 * kNanosPerSecond);
  CHECK(p.down.select == RateSelect::kMin);
  CHECK(p.up.deadband == 2);
  CHECK(p.down.stabilization == 300 * kNanosPerSecond);
  CHECK(p.settle_group == "checkout");
  CHECK(p.sustained_m == 3);
  CHECK(p.sustained_n == 5);
  CHECK(p.key == "checkout.max_concurrency");
  CHECK(p.verification->worse_by == Approx(0.2));
  CHECK(c.target_modes.at("checkout.max_concurrency") == Mode::kPropose);
  CHECK(c.actuators.at("checkout.max_concurrency").path == "/etc/app/limits.yaml");
  CHECK(c.parameters[1].type == ParamType::kDuration);
  CHECK(c.parameters[1].initial == Approx(0.25));
  CHECK(c.parameters[1].max == 5);
  CHECK(c.parameters[2].choices == std::vector<std::string>{"primary", "secondary"});
  REQUIRE(c.actions.size() == 2);
  CHECK(c.actions[0].undo_action == "enable_rule");
  CHECK(c.actions[0].undo_after == 900 * kNanosPerSecond);
  CHECK(c.actions[0].args.size() == 2);
  CHECK(c.actions[0].cooldown_key == "rule");
  CHECK(c.actuators.at("disable_rule").argv[2] == "{arg:rule}");
  CHECK(c.actuators.at("disable_rule").timeout == 5 * kNanosPerSecond);
}

TEST_CASE("effects config errors name the place and the problem") {
  // An actuator's timeout bounds every wait for it: a stop, a reload, a rollout's step.
  for (const char* timeout : {"0s", "5ms", "11m", "30d"}) {
    INFO(timeout);
    CHECK(error_of(std::string("parameters:\n  a: { type: int, initial: 5, min: 1, max: 10, "
                               "policies: [p], actuator: { type: exec, argv: [/bin/true], "
                               "timeout: ") +
                   timeout + " } }\n")
              .find("parameters.a.actuator.timeout: must be from 10ms to 10m") !=
          std::string::npos);
  }
  CHECK(error_of("parameters:\n  a: { type: int, initial: 5, min: 10, max: 1, policies: [p] }\n") ==
        "test.yaml:2:36: parameters.a: min (10) is greater than max (1)");
  CHECK(
      error_of("parameters:\n  a: { type: int, initial: 50, min: 1, max: 10, policies: [p] }\n") ==
      "test.yaml:2:28: parameters.a.initial: is outside [min, max]");
  CHECK(error_of("parameters:\n  a: { type: float, initial: 1, min: 0, max: 10, policies: [p], up: "
                 "{ cooldown: -5s } }\n") ==
        "test.yaml:2:81: parameters.a.up.cooldown: \"-5s\" is not a duration like 30s, 5m or 24h");
  CHECK(error_of("parameters:\n  a: { type: float, initial: 1, min: 0, max: 10 }\n") ==
        "test.yaml:2:6: parameters.a: needs policies: the policies allowed to set it");
  CHECK(error_of("parameters:\n  a: { type: float, initial: 1, min: 0, max: 10, policies: [p], "
                 "colour: red }\n") ==
        "test.yaml:2:65: parameters.a: unknown key \"colour\" (expected one of: type, initial, "
        "min, max, choices, up, down, "
        "stabilization, settle, sustained, policies, mode, actuator, verify, sliding_bounds, "
        "rollout, status)");
  CHECK(error_of("parameters:\n  a: { type: float, initial: 1, min: 0, max: 10, policies: [p], up: "
                 "{ max_step: lots } }\n") ==
        "test.yaml:2:81: parameters.a.up.max_step: expected a positive number, or a percent like "
        "20%");
  CHECK(
      error_of("parameters:\n  a: { type: enum, choices: [x, y], initial: z, policies: [p] }\n") ==
      "test.yaml:2:46: parameters.a.initial: \"z\" is not one of the choices");
  CHECK(error_of("parameters:\n  a: { type: float, initial: 1, min: 0, max: 10, policies: [p], "
                 "sustained: { m: 4, n: 3 } }\n") ==
        "test.yaml:2:81: parameters.a.sustained.m: 4 is outside [1, 3]");
  CHECK(error_of("parameters:\n  a: { type: float, initial: 1, min: 0, max: 10, policies: [p], "
                 "actuator: { type: file } }\n") ==
        "test.yaml:2:75: parameters.a.actuator: a file actuator needs a path and a key");
  CHECK(error_of("parameters:\n  a: { type: float, initial: 1, min: 0, max: 10, policies: [p], "
                 "verify: { series: s, stat: p42, window: 1m } }\n") ==
        "test.yaml:2:92: parameters.a.verify.stat: expected rate_per_s, success_rate, error_rate, "
        "p50, p90, p95, p99, mean, min, max or sum");
  CHECK(error_of("engine: { mode: yolo }\n") ==
        "test.yaml:1:17: engine.mode: expected observe, advise, propose or enforce");
}

TEST_CASE("action templates that could inject are refused at load") {
  CHECK(error_of("actions:\n  a: { policies: [p], actuator: { type: exec, argv: [sh, -c, \"rulectl "
                 "{arg:rule}\"] } }\n") ==
        "test.yaml:2:53: actions.a.actuator.argv: \"sh\" would let a value become a command; name "
        "the program directly");
  CHECK(error_of("actions:\n  a: { policies: [p], actuator: { type: exec, argv: [rulectl, "
                 "\"--rule={arg:rule}\"] } }\n") ==
        "test.yaml:2:53: actions.a.actuator.argv: argument 1 \"--rule={arg:rule}\": a placeholder "
        "must be the whole argument");
  CHECK(error_of("actions:\n  a: { policies: [p], actuator: { type: exec, argv: [rulectl, "
                 "\"{arg:rule}\"] } }\n") ==
        "test.yaml:2:53: actions.a.actuator.argv: {arg:rule} names no declared argument");
  CHECK(error_of("actions:\n  a: { policies: [p], args: { rule: { type: string } } }\n") ==
        "test.yaml:2:37: actions.a.args.rule: a string argument needs allowed: the only values it "
        "may take");
  CHECK(error_of("actions:\n  a: { policies: [p], undo_after: 5m, undo_action: b }\n") ==
        "test.yaml:2:52: actions.a.undo_action: \"b\" is not a declared action");
  CHECK(error_of("actions:\n  a: { policies: [p], undo_after: 5m }\n") ==
        "test.yaml:2:6: actions.a: undo_after and undo_action go together");
  CHECK(error_of("actions:\n  a: { policies: [p], cooldown_key: rule }\n") ==
        "test.yaml:2:37: actions.a.cooldown_key: \"rule\" is not one of its arguments");
}

TEST_CASE("an HPA-like parameter: a stabilization window per direction") {
  const Config c = ok(R"(
parameters:
  replicas:
    type: int
    initial: 2
    min: 2
    max: 50
    up: { stabilization: 30s, rate: [{ limit: 4, period: 15s }] }
    down: { stabilization: 5m, rate: [{ limit: 100%, period: 15s }] }
    policies: [autoscaler]
)");
  REQUIRE(c.parameters.size() == 1);
  CHECK(c.parameters[0].up.stabilization == 30 * kNanosPerSecond);
  CHECK(c.parameters[0].down.stabilization == 300 * kNanosPerSecond);
}

// Rollouts in the real engine, on a manual clock: a service whose latency is a known function
// of the parameter, its traffic split between cohorts by the canary's weight. A better value
// is promoted step by step, a worse one rolled back at the first look, an operator aborts one,
// a canary actuator that fails stages nothing, and a restart mid-step resumes the same step.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/json_document.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kMinute = 60 * kSec;
constexpr Nanos kDay0 = 1'795'132'800LL * kSec;  // 2026-11-20T00:00:00Z

// A policy that asks once for x = `to` (and again each pass, which the guard then blocks).
std::string tuner(double to) {
  return "return { name = 'tuner', every = '10s', params = { 'x' },\n"
         "  evaluate = function(ctx) if ctx:param('x') ~= " +
         std::to_string(to) + " then ctx:set('x', " + std::to_string(to) +
         ", { reason = 'tuned' }) end end }\n";
}

double file_value(const std::string& path, const char* key) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto doc = parse_own_json(text);
  return doc.is_object() && doc.contains(key) ? doc[key].get<double>() : std::nan("");
}

struct Service {
  TempDir dir;
  ManualClock clock{kDay0};
  SystemClock cpu;
  std::unique_ptr<Engine> engine;
  std::string config_text;

  // `canary_actuator`: the canary's actuator section, else a file at `canary_path`.
  explicit Service(double to, const std::string& canary_path = "",
                   const std::string& mode = "enforce", const std::string& canary_actuator = "") {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(dir.file("policies/tuner.lua"), tuner(to));
    // The authority files the service reads: its value, the canary's and the canary's weight.
    write_file(dir.file("x.json"), "{\"x\": 100}");
    write_file(dir.file("canary.json"), "{\"x\": 100}");
    write_file(dir.file("weight.json"), "{\"weight\": 0}");
    const std::string canary = canary_path.empty() ? dir.file("canary.json") : canary_path;
    config_text =
        "engine: { tick: 1s, mode: enforce, state_path: " + dir.file("s.db") +
        " }\npolicies: { dir: " + dir.file("policies") +
        ", test_gate: false, overrides: { tuner: { mode: " + mode +
        " } } }\n"
        "parameters:\n  x:\n    type: float\n    initial: 100\n    min: 10\n    max: 400\n"
        "    policies: [tuner]\n    mode: enforce\n"
        "    actuator: { type: file, path: " +
        dir.file("x.json") +
        ", key: x }\n"
        "    rollout:\n      steps: [10, 50, 100]\n      step_duration: 2m\n      interval: 1m\n"
        "      canary: " +
        (canary_actuator.empty() ? "{ type: file, path: " + canary + ", key: x }"
                                 : canary_actuator) +
        "\n      weight: { type: file, path: " + dir.file("weight.json") +
        ", key: weight }\n"
        "      kpis:\n        - { series: 'lat{}', stat: p90, critical: true, unit: ms }\n"
        "        - { series: 'lat{}', stat: error_rate }\n";
    start();
  }
  void start() {
    auto config = parse_config(config_text, "test.yaml");
    INFO(config.error());
    REQUIRE(config.ok());
    EngineOptions options;
    options.clock = &clock;
    options.cpu_clock = &cpu;
    engine = std::make_unique<Engine>(config.value(), options);
    const auto started = engine->start();
    INFO(started.error());
    REQUIRE(started);
  }
  // The actuations, the pipeline's and the canary's, run on worker threads: a pass collects
  // what answered.
  void settle() {
    while (engine->pipeline().in_flight() > 0 || engine->rollouts().actuating() > 0) {
      std::this_thread::yield();
      engine->tick();
    }
  }
  double routed = -1;  // the weight the router keeps using when its file is gone (-1: the file)
  double weight() {
    if (routed >= 0) return routed;
    const double w = file_value(dir.file("weight.json"), "weight");
    return std::isnan(w) ? 0 : w;
  }
  double canary_value() {
    const double v = file_value(dir.file("canary.json"), "x");
    return std::isnan(v) ? *engine->guard().value("x") : v;
  }
  // A minute of 1000 requests split by the weight, each side at 1000 / its value ms (spread
  // ±20 %), then a pass.
  void run(int minutes) {
    const auto canary = engine->aggregator().resolve("lat", {{"cohort", "canary"}});
    const auto baseline = engine->aggregator().resolve("lat", {{"cohort", "baseline"}});
    for (int m = 0; m < minutes; ++m) {
      const int on_canary = static_cast<int>(10 * weight());
      for (int i = 0; i < 1000; ++i) {
        const bool c = i < on_canary;
        const double x = c ? canary_value() : *engine->guard().value("x");
        const double ms = 1000.0 / x * (0.8 + 0.4 * ((i * 7) % 100) / 100.0);
        (c ? canary : baseline).record(clock.wall() + (i % 60) * kSec, ms, OutcomeSet::kOk);
      }
      clock.advance(kMinute);
      engine->tick();
      settle();
    }
  }
  std::vector<RolloutRow> rollouts() { return must(engine->store()->rollouts()); }
};

}  // namespace

TEST_CASE("rollouts: a faster value is promoted step by step, then applied") {
  Service s(125);  // 8 ms against 10 ms
  s.run(1);        // the policy proposed at the first pass: staged, canary at 10 %
  auto rows = s.rollouts();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "running");
  CHECK(rows[0].baseline_value == 100);
  CHECK(rows[0].canary_value == 125);
  CHECK(s.weight() == 10);
  CHECK(*s.engine->guard().value("x") == 100);  // not the parameter's value yet
  CHECK(s.engine->guard().rollout_of("x") == rows[0].id);
  CHECK(parse_own_json(s.engine->view("params"))[0]["rollout"] == rows[0].id);  // setpoint params
  s.run(2);  // looks 1 and 2: the end of step 1
  CHECK(s.weight() == 50);
  s.run(2);  // looks 3 and 4: promoted
  rows = s.rollouts();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "promoted");
  CHECK(rows[0].recommendation == "pass");
  CHECK(rows[0].reason.find("pass at look 4 of 4, the end of the step: p90 ") == 0);
  CHECK(s.weight() == 0);
  CHECK(*s.engine->guard().value("x") == 125);
  CHECK(file_value(s.dir.file("x.json"), "x") == 125);
  CHECK(s.engine->guard().rollout_of("x").empty());
  // The decisions: one staged, the passes blocked while it was in flight, one promotion.
  int staged = 0, applied = 0, blocked = 0;
  for (const auto& d : must(s.engine->store()->decisions(DecisionQuery{}))) {
    const auto doc = parse_own_json(d.json);
    const std::string outcome = doc.value("outcome", "");
    staged += outcome == "staged";
    applied += outcome == "applied";
    blocked += doc.value("verdict_reason", "") == "rollout_in_flight";
  }
  CHECK(staged == 1);
  CHECK(applied == 1);
  CHECK(blocked >= 3);  // the policy asked again at every pass while the rollout was in flight
  const auto metrics = s.engine->metrics_text();
  CHECK(metrics.find("setpoint_rollout_verdicts_total{verdict=\"pass\"} 2") != std::string::npos);
  CHECK(metrics.find("setpoint_rollout_step{parameter=\"x\"} 0") != std::string::npos);
  const auto view = parse_own_json(s.engine->view("rollouts"));
  REQUIRE(view["recent"].size() == 1);
  CHECK(view["recent"][0]["status"] == "promoted");
}

TEST_CASE("rollouts: a slower value is rolled back at the first look, before 50 %") {
  Service s(80);  // 12.5 ms against 10 ms
  s.run(2);
  const auto rows = s.rollouts();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "rolled_back");
  CHECK(rows[0].step == 0);
  CHECK(rows[0].reason.find("fail at look 1 of 4: p90 ") == 0);
  CHECK(rows[0].reason.find("canary worse with p < 0.001") != std::string::npos);
  CHECK(s.weight() == 0);
  CHECK(s.canary_value() == 100);  // the canary's value back to the baseline
  CHECK(*s.engine->guard().value("x") == 100);
  CHECK(file_value(s.dir.file("x.json"), "x") == 100);  // the parameter itself never touched
  // Held at the baseline: the policy asks again at every pass, and nothing is staged again.
  CHECK(rows[0].reason.find("; x held at 100 for 30m (engine.rollback_hold)") != std::string::npos);
  s.run(5);
  CHECK(s.rollouts().size() == 1);
  CHECK(s.weight() == 0);
}

TEST_CASE("rollouts: a restart in the middle of a step resumes it, applying nothing twice") {
  Service s(125);
  s.run(2);  // staged, then look 1 (continue)
  REQUIRE(s.rollouts()[0].status == "running");
  s.engine->stop();
  s.engine.reset();
  s.start();  // the same store
  const auto resumed = s.rollouts();
  REQUIRE(resumed.size() == 1);
  CHECK(resumed[0].status == "running");
  CHECK(s.engine->guard().rollout_of("x") == resumed[0].id);
  CHECK(s.weight() == 10);
  s.run(4);
  const auto rows = s.rollouts();
  REQUIRE(rows.size() == 1);  // the same rollout, never a second
  CHECK(rows[0].status == "promoted");
  CHECK(rows[0].reason.find("look 4 of 4") != std::string::npos);  // its looks counted on
  CHECK(*s.engine->guard().value("x") == 125);
}

TEST_CASE("rollouts: a restart before the first look resumes the rollout, not rolls it back") {
  Service s(125);
  s.run(1);  // staged; the first look is a minute away
  REQUIRE(s.rollouts()[0].status == "running");
  s.engine->stop();
  s.engine.reset();
  s.start();
  const auto resumed = s.rollouts();
  REQUIRE(resumed.size() == 1);
  INFO(resumed[0].reason);
  CHECK(resumed[0].status == "running");
  CHECK(s.weight() == 10);
  s.run(4);
  CHECK(s.rollouts()[0].status == "promoted");
}

TEST_CASE("rollouts: an operator aborts one; ended and unknown ids are refused") {
  Service s(125);
  s.run(1);
  const std::string id = s.rollouts()[0].id;
  const auto answer = abort_rollout(*s.engine, {id}, {}, "operator:alice");
  CHECK(answer["status"] == "rolled_back");
  CHECK(answer["reason"] ==
        "aborted by operator:alice; x held at 100 for 30m (engine.rollback_hold)");
  // Answered at once; the weight to 0 and the value back are being actuated.
  CHECK(answer["actuations_pending"] == 2);
  for (int twice = 0; twice < 2; ++twice) {  // while they are, and once they have answered
    try {
      abort_rollout(*s.engine, {id}, {}, "operator:alice");
      FAIL("an ended rollout was aborted again");
    } catch (const Refusal& r) {
      CHECK(r.status == 409);
      CHECK(r.message == "rollout " + id + " has ended: rolled_back");
    }
    s.settle();
  }
  CHECK(s.weight() == 0);
  CHECK(s.canary_value() == 100);
  CHECK(s.engine->rollouts().in_flight() == 0);
  try {
    promote_rollout(*s.engine, {"x@nope\xe2\x80\xae"}, {}, "operator:alice");
    FAIL("an unknown rollout was promoted");
  } catch (const Refusal& r) {
    CHECK(r.status == 404);
    CHECK(r.message == "no rollout x@nope\\u202e is in flight");  // never the override itself
  }
  // An ended rollout is still known after a restart: 409, not 404.
  s.engine->stop();
  s.engine.reset();
  s.start();
  try {
    abort_rollout(*s.engine, {id}, {}, "operator:alice");
    FAIL("an ended rollout was aborted after a restart");
  } catch (const Refusal& r) {
    CHECK(r.status == 409);
  }
  CHECK(parse_own_json(s.engine->view("rollouts"))["recent"][0]["id"] == id);
}

TEST_CASE(
    "rollouts: a canary actuator that fails at the start rolls the rollout back, and says why") {
  Service s(125, "/dev/null/canary.json");
  s.run(1);
  // The change was staged (its actuations answer later, off the engine thread); the canary's
  // value never landed, so the rollout ended at once: the weight back to 0, held at 100.
  const auto rows = s.rollouts();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "rolled_back");
  INFO(rows[0].reason);
  CHECK(rows[0].reason.find("the canary's actuator failed: ") == 0);
  CHECK(rows[0].reason.find("; the canary's value could not be set back: ") != std::string::npos);
  std::size_t staged = 0;
  for (const auto& d : must(s.engine->store()->decisions(DecisionQuery{}))) {
    if (parse_own_json(d.json).value("outcome", "") == "staged") ++staged;
  }
  CHECK(staged == 1);
  CHECK(s.weight() == 0);
  CHECK(*s.engine->guard().value("x") == 100);
  CHECK(s.engine->guard().rollout_of("x").empty());
  CHECK(s.engine->rollouts().in_flight() == 0);
  CHECK(s.engine->rollouts().ended().size() == 1);
  // Held at the baseline: the policy's next passes stage nothing more, and say why.
  s.run(2);
  CHECK(s.rollouts().size() == 1);
  std::size_t held = 0;
  for (const auto& d : must(s.engine->store()->decisions(DecisionQuery{}))) {
    const auto doc = parse_own_json(d.json);
    if (doc.value("verdict_reason", "") != "rollback_hold") continue;
    ++held;
    CHECK(
        doc.value("explain", "").find("x is held at 100 after a rollback (engine.rollback_hold)") !=
        std::string::npos);
  }
  CHECK(held > 0);
}

TEST_CASE("rollouts: in observe mode the judge runs as a shadow, logged, nothing touched") {
  Service s(125, "", "observe");
  s.run(1);
  auto rows = s.rollouts();
  REQUIRE(rows.size() == 1);
  CHECK(parse_own_json(rows[0].state)["shadow"] == true);
  CHECK(s.weight() == 0);                                    // never actuated
  CHECK(file_value(s.dir.file("canary.json"), "x") == 100);  // nor the canary's value
  CHECK(s.engine->guard().rollout_of("x").empty());          // nothing held in the world
  CHECK(*s.engine->guard().value("x") == 125);               // the shadow trajectory
  // No canary traffic at all (its weight is 0 in the world): the first step ends inconclusive,
  // and the would-be value goes back to the baseline.
  s.run(2);
  rows = s.rollouts();
  CHECK(rows[0].status == "rolled_back");
  CHECK(rows[0].recommendation == "inconclusive");
  CHECK(rows[0].reason.find("inconclusive at look 2 of 4, the end of the step: p90 of lat{}: no "
                            "canary data") == 0);
  CHECK(*s.engine->guard().value("x") == 100);
  CHECK(file_value(s.dir.file("x.json"), "x") == 100);
  const auto metrics = s.engine->metrics_text();
  CHECK(
      metrics.find("setpoint_rollout_verdicts_total{verdict=\"inconclusive\",shadow=\"true\"} 1") !=
      std::string::npos);
  const auto view = parse_own_json(s.engine->view("rollouts"));
  CHECK(view["recent"][0]["shadow"] == true);
}

TEST_CASE("rollouts: an actuator that fails mid-rollout rolls it back, and the row says why") {
  Service s(125);
  s.run(1);  // staged at 10 %
  REQUIRE(s.rollouts()[0].status == "running");
  std::filesystem::remove(s.dir.file("weight.json"));  // the weight's file goes away
  s.routed = 10;                                       // the router keeps the 10 % it last read
  s.run(2);  // the end of step 1 passes; the move to 50 % fails
  const auto rows = s.rollouts();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "rolled_back");
  INFO(rows[0].reason);
  CHECK(rows[0].reason.find("the canary's actuator failed: ") == 0);
  CHECK(rows[0].reason.find("; the weight could not be set to 0: ") != std::string::npos);
  CHECK(file_value(s.dir.file("canary.json"), "x") == 100);  // the value went back all the same
  CHECK(*s.engine->guard().value("x") == 100);
  CHECK(s.engine->guard().rollout_of("x").empty());
}

TEST_CASE(
    "rollouts: the canary's actuations run off the engine thread, and no look waits on them") {
  TempDir tools;
  // The canary's value goes through a program that waits until the test lets it go.
  const std::string release = tools.file("release");
  write_file(tools.file("set-canary.sh"), "#!/bin/sh\nwhile [ ! -e " + release +
                                              " ]; do sleep 0.01; done\nprintf '{\"x\": %s}' "
                                              "\"$1\" > \"$2\"\n");
  std::filesystem::permissions(tools.file("set-canary.sh"), std::filesystem::perms::owner_all);
  const std::string canary = tools.file("canary.json");
  write_file(canary, "{\"x\": 100}");
  Service s(125, canary, "enforce",
            "{ type: exec, argv: [" + tools.file("set-canary.sh") + ", '{value}', " + canary +
                "], timeout: 60s }");
  s.clock.advance(kMinute);
  s.engine->tick();  // staged: the pass is over while the program still waits
  CHECK(s.engine->rollouts().actuating() == 2);  // the canary's value, then its weight
  REQUIRE(s.rollouts().size() == 1);
  CHECK(s.rollouts()[0].status == "running");
  CHECK(s.engine->guard().rollout_of("x") == s.rollouts()[0].id);  // in flight already
  for (int m = 0; m < 3; ++m) {  // three looks' worth of passes: none taken, nothing routed
    s.clock.advance(kMinute);
    s.engine->tick();
  }
  CHECK(s.engine->rollouts().actuating() == 2);
  CHECK(s.weight() == 0);
  CHECK(s.engine->metrics_text().find("setpoint_rollout_verdicts_total{") == std::string::npos);
  write_file(release, "");
  s.settle();
  CHECK(s.engine->rollouts().actuating() == 0);
  CHECK(file_value(canary, "x") == 125);
  CHECK(s.weight() == 10);
  // The step counts from when its traffic was routed: its two looks are still to come.
  s.run(1);
  CHECK(s.engine->metrics_text().find("setpoint_rollout_verdicts_total{verdict=\"continue\"} 1") !=
        std::string::npos);
  CHECK(s.rollouts()[0].step == 0);
}

TEST_CASE("rollouts: an operator's pause holds a rollout at its step, and a pin ends it") {
  Service s(125);
  s.run(1);                                                  // staged at 10 %
  s.engine->guard().set_override("x", 100, s.clock.wall());  // a pin that has just lapsed
  Pause pause;
  pause.scope = Pause::Scope::kGlobal;  // until lifted
  s.engine->guard().pause(pause);
  s.run(4);  // the judge passes the step again and again; nothing moves on
  CHECK(s.weight() == 10);
  auto rows = s.rollouts();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "running");
  INFO(rows[0].reason);
  CHECK(rows[0].reason.find("waiting: x is paused by an operator; the judge says: pass at look 2 "
                            "of 4") == 0);
  try {
    promote_rollout(*s.engine, {rows[0].id}, {}, "operator:alice");
    FAIL("a paused parameter's rollout was promoted");
  } catch (const Refusal& r) {
    CHECK(r.status == 409);
    CHECK(r.message == "rollout " + rows[0].id +
                           " cannot be promoted: x is paused by an operator; lift that first, or "
                           "abort the rollout");
  }
  s.engine->guard().resume(Pause::Scope::kGlobal, "");
  s.run(1);
  CHECK(s.weight() == 50);  // moved on at the first look after the pause
  // A pin: the operator has said what x is. The canary goes back; the pin stays as it was.
  s.engine->guard().set_override("x", 100, s.clock.wall() + 3600 * kSec);
  s.run(1);
  rows = s.rollouts();
  CHECK(rows[0].status == "rolled_back");
  CHECK(rows[0].reason == "aborted by the engine: x is pinned at 100 by an operator");
  CHECK(s.weight() == 0);
  CHECK(file_value(s.dir.file("canary.json"), "x") == 100);
  REQUIRE(s.engine->guard().override_of("x"));
  CHECK_FALSE(s.engine->guard().override_of("x")->hold);
  CHECK(*s.engine->guard().value("x") == 100);
}

TEST_CASE("rollouts: one that ended with its actuations unanswered has them made again at start") {
  Service s(125);
  s.run(1);  // staged: the canary at 125 on 10 %
  REQUIRE(s.weight() == 10);
  const std::string id = s.rollouts()[0].id;
  s.engine->stop();
  s.engine.reset();
  // What a crash right after the judge's rollback leaves: the row says rolled back, its two
  // actuations never answered, and the world still routes 10 % to 125.
  {
    auto store = must(AuditStore::open(s.dir.file("s.db")));
    auto row = *must(store->rollout(id));
    auto state = parse_own_json(row.state);
    state["settling"] = true;
    row.state = state.dump();
    row.status = "rolled_back";
    row.reason = "fail at look 1 of 4";
    REQUIRE(store->save_rollout(row));
  }
  s.start();
  s.settle();
  CHECK(s.weight() == 0);
  CHECK(file_value(s.dir.file("canary.json"), "x") == 100);
  const auto rows = s.rollouts();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "rolled_back");
  CHECK(parse_own_json(rows[0].state)["settling"] == false);  // done: not made a third time
  CHECK(s.engine->rollouts().in_flight() == 0);
  CHECK(s.engine->rollouts().ended().size() == 1);
}

TEST_CASE("rollouts: a stop saves what the cohorts served since the last look") {
  Service s(125);
  s.run(2);  // staged at 1m, looked at 2m: 100 canary and 900 baseline requests
  const auto canary = s.engine->aggregator().resolve("lat", {{"cohort", "canary"}});
  for (int i = 0; i < 50; ++i) canary.record(s.clock.wall() + i * kSec, 8.0, OutcomeSet::kOk);
  s.clock.advance(kMinute);
  s.engine->stop();  // no look since those 50
  const auto state = parse_own_json(s.rollouts()[0].state);
  CHECK(state["data"][0][0]["count"] == 150);
  CHECK(state["data"][0][1]["count"] == 900);
}

TEST_CASE("rollouts: a reload that drops the actuators of a rollout in flight is refused") {
  Service s(125);
  s.run(1);
  std::string text = s.config_text;
  text = text.substr(0, text.find("    rollout:"));  // the same parameter, rolled out no more
  auto next = parse_config(text, "next.yaml");
  REQUIRE(next.ok());
  const auto reloaded = s.engine->reload_config(next.value());
  REQUIRE_FALSE(reloaded);
  CHECK(reloaded.error() == "parameters.x.rollout: rollout " + s.rollouts()[0].id +
                                " is in flight, and the new config drops or changes its canary's "
                                "actuators; abort or promote it first");
  CHECK(s.weight() == 10);
}

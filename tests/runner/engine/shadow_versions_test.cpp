// Shadow versions in the real engine, on a manual clock: a new version of a policy runs beside
// the live one for the shadow period; one that decides the same is promoted on its own, one
// that diverges waits for an operator, one that goes to a bound waits whatever the count, one
// that fails is discarded with its reason; a restart in the middle keeps the live version.
#include <catch2/catch.hpp>
#include <filesystem>
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
constexpr Nanos kStart = 1'795'132'800LL * kSec;  // 2026-11-20T00:00:00Z

// Raises the limit to `high` for the second ten seconds of every twenty, else 100.
std::string stepper(int high, const std::string& comment = "") {
  return "-- " + comment + "\nreturn { name = 'stepper', every = '1s', params = { 'limit' },\n" +
         "  evaluate = function(ctx)\n    local want = (ctx:now() % 20 >= 10) and " +
         std::to_string(high) +
         " or 100\n    if ctx:param('limit') ~= want then ctx:set('limit', want) end\n  end }\n";
}

struct Shadowing {
  TempDir dir;
  ManualClock clock{kStart};
  SystemClock cpu;
  std::unique_ptr<Engine> engine;
  int most = 0;
  std::string mode;
  std::string overrides = "{}";

  explicit Shadowing(int max_divergences = 0, std::string m = "enforce")
      : most(max_divergences), mode(std::move(m)) {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(dir.file("policies/stepper.lua"), stepper(150));
    start();
  }
  void start() {
    const std::string text =
        "engine: { tick: 1s, mode: enforce, state_path: " + dir.file("s.db") +
        " }\npolicies: { dir: " + dir.file("policies") +
        ", test_gate: false, shadow: 30s, shadow_max_divergences: " + std::to_string(most) +
        ", overrides: " + overrides +
        " }\nparameters:\n  limit: { type: int, initial: 100, min: 1, max: 200, "
        "policies: [stepper], mode: " +
        mode + " }\n";
    auto config = parse_config(text, "test.yaml");
    INFO(config.error());
    REQUIRE(config.ok());
    EngineOptions options;
    options.clock = &clock;
    options.cpu_clock = &cpu;
    engine = std::make_unique<Engine>(config.value(), options);
    REQUIRE(engine->start());
  }
  void run(int seconds) {
    for (int i = 0; i < seconds; ++i) {
      clock.advance(kSec);
      engine->tick();
      while (engine->pipeline().in_flight() > 0) engine->tick();
    }
  }
  // Saves a new version and lets the engine take it, as a hot reload does.
  void save(const std::string& text) {
    write_file(dir.file("policies/stepper.lua"), text);
    engine->folder().rescan(0);
    while (engine->folder().reloading()) std::this_thread::yield();
    engine->tick();  // the same second: nothing is due
  }
  nlohmann::json policy() { return parse_own_json(engine->view("policies")).at(0); }
  std::string live() { return engine->folder().live().at("stepper.lua").hash; }
  std::vector<AlertRow> alerts(const std::string& kind) {
    std::vector<AlertRow> out;
    for (auto& a : must(engine->store()->alerts(0, 100)))
      if (a.kind == kind) out.push_back(a);
    return out;
  }
};

}  // namespace

TEST_CASE("shadow: a version that decides the same is promoted at the end of its period") {
  Shadowing s;
  s.run(5);
  const std::string v1 = s.live();
  s.save(stepper(150, "reworded, the same decisions"));
  auto shadow = s.policy()["shadow"];
  REQUIRE(shadow.is_object());
  CHECK(shadow["live_version"] == v1);
  CHECK(shadow["state"] == "shadowing");
  CHECK(shadow["since"] == "2026-11-20T00:00:05.000Z");
  CHECK(shadow["until"] == "2026-11-20T00:00:35.000Z");
  CHECK(s.policy()["version"] == v1);  // still the live one
  const std::string v2 = shadow["version"];

  s.run(29);  // 00:00:34: the live version set 150 at 10 s and 100 at 20 s; so did the shadow
  shadow = s.policy()["shadow"];
  CHECK(shadow["evaluations"] == 29);
  CHECK(shadow["divergences"] == 0);
  CHECK(shadow["promotes"] == true);
  CHECK(s.live() == v1);
  s.run(1);
  CHECK(s.policy()["shadow"].is_null());
  CHECK(s.live() == v2);
  const auto promoted = s.alerts("shadow_promoted");
  REQUIRE(promoted.size() == 1);
  CHECK(promoted[0].message == "promoted " + v2.substr(0, 12) + " over " + v1.substr(0, 12) +
                                   ": automatically after 30s: 0 divergence(s) in 30 "
                                   "evaluation(s), at most 0");
  const std::string metrics = s.engine->metrics_text();
  CHECK(metrics.find("setpoint_policy_shadow_evaluations_total{policy=\"stepper\"} 30") !=
        std::string::npos);
  CHECK(metrics.find("setpoint_policy_shadowing{policy=\"stepper\"} 0") != std::string::npos);
  // The promoted version runs on: it sets 150 at 00:00:50 like its predecessor would.
  s.run(16);
  CHECK(*s.engine->guard().value("limit") == 150);
}

TEST_CASE("shadow: a version that diverges waits for an operator, who promotes it") {
  Shadowing s;
  s.run(5);
  const std::string v1 = s.live();
  s.save(stepper(160));
  // 00:00:35: at 10 s and at 30 s the live version set 150, the shadow would have set 160;
  // at 20 s both set 100, and in between both held still.
  s.run(30);
  auto shadow = s.policy()["shadow"];
  CHECK(shadow["state"] == "held for an operator");
  CHECK(shadow["evaluations"] == 30);
  CHECK(shadow["divergences"] == 2);
  CHECK(shadow["root_divergences"] == 2);
  CHECK(shadow["at_bound"] == 0);
  REQUIRE(shadow["recent"].size() == 2);
  CHECK(shadow["recent"][0]["at"] == "2026-11-20T00:00:30.000Z");
  CHECK(shadow["recent"][1]["at"] == "2026-11-20T00:00:10.000Z");
  CHECK(shadow["recent"][0]["target"] == "limit");
  CHECK(shadow["recent"][0]["live"] == "set 150");
  CHECK(shadow["recent"][0]["shadow"] == "set 160");
  CHECK(shadow["recent"][0]["follows"] == false);
  CHECK(s.live() == v1);
  REQUIRE(s.alerts("shadow_held").size() == 1);
  CHECK(s.alerts("shadow_held")[0].message.find("2 divergence(s) in 30 evaluation(s); at most 0") !=
        std::string::npos);
  s.run(20);  // 00:00:55: at 50 s the same divergence again
  CHECK(s.policy()["shadow"]["divergences"] == 3);
  const auto rows = must(s.engine->store()->divergences("stepper", "", 10));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].at == kStart + 50 * kSec);
  CHECK(rows[0].live_version == v1);
  CHECK(rows[0].shadow_version == shadow["version"]);
  CHECK_FALSE(rows[0].follows);  // at 50 s both stood at 100 again
  CHECK(s.live() == v1);         // held: no period ends it

  // Refusals name the problem.
  const auto refused = [&](const std::string& policy) -> Refusal {
    try {
      (void)promote_shadow_version(*s.engine, {policy}, nlohmann::json::object(), "operator:x");
    } catch (const Refusal& r) {
      return r;
    }
    FAIL("not refused");
    return {};
  };
  CHECK(refused("nobody").status == 404);
  CHECK(refused("nobody").message == "no policy is named nobody");
  const auto done = promote_shadow_version(
      *s.engine, {"stepper"}, nlohmann::json{{"reason", "reviewed"}}, "operator:alice");
  CHECK(done["promoted"].get<std::string>().find(": by operator:alice: reviewed") !=
        std::string::npos);
  s.engine->tick();  // the views again, as after any posted command
  CHECK(s.live() == shadow["version"]);
  CHECK(s.policy()["shadow"].is_null());
  CHECK(refused("stepper").status == 409);
  CHECK(refused("stepper").message.find("policy stepper has no shadow version") == 0);
}

TEST_CASE("shadow: a version that would go to a bound waits, whatever the count allows") {
  Shadowing s(10);
  s.run(5);
  s.save(stepper(200));  // the limit's max
  s.run(30);
  const auto shadow = s.policy()["shadow"];
  CHECK(shadow["divergences"] == 2);  // at 10 s and 30 s
  CHECK(shadow["at_bound"] == 2);
  CHECK(shadow["state"] == "held for an operator");
  CHECK(shadow["recent"][0]["at_bound"] == true);
  // Discarded by an operator, the live version keeps running.
  const std::string v1 = s.live();
  const auto done =
      discard_shadow_version(*s.engine, {"stepper"}, nlohmann::json::object(), "operator:bob");
  CHECK(done["discarded"].get<std::string>().find("(by operator:bob): an operator's call; " +
                                                  v1.substr(0, 12) + " keeps running") !=
        std::string::npos);
  s.engine->tick();
  CHECK(s.policy()["shadow"].is_null());
  CHECK(s.live() == v1);
}

TEST_CASE("shadow: a version whose evaluation fails is discarded, the live one untouched") {
  Shadowing s;
  s.run(5);
  const std::string v1 = s.live();
  s.save(
      "return { name = 'stepper', every = '1s', params = { 'limit' },\n"
      "  evaluate = function(ctx) error('boom') end }\n");
  REQUIRE(s.policy()["shadow"].is_object());
  s.run(1);
  CHECK(s.policy()["shadow"].is_null());
  CHECK(s.live() == v1);
  const auto discarded = s.alerts("shadow_discarded");
  REQUIRE(discarded.size() == 1);
  CHECK(discarded[0].message.find("its evaluation failed: ") != std::string::npos);
  CHECK(discarded[0].message.find("boom") != std::string::npos);
  CHECK(s.policy()["reload"]["message"].get<std::string>().find("discarded: its evaluation "
                                                                "failed") != std::string::npos);
  CHECK(s.engine->policies().at("stepper.lua").failures == 0);  // not the live version's failure
  s.run(10);  // the live version goes on: 150 at 10 s
  CHECK(*s.engine->guard().value("limit") == 150);
}

TEST_CASE("shadow: a restart in the middle runs the live version again, the file's as its shadow") {
  Shadowing s;
  s.run(5);
  const std::string v1 = s.live();
  s.save(stepper(160));
  const std::string v2 = s.policy()["shadow"]["version"];
  s.run(10);  // 00:00:15: one divergence, at 10 s
  s.engine->stop();
  s.engine.reset();
  s.clock.advance(kSec);
  s.start();
  CHECK(s.live() == v1);  // not the file's version
  auto shadow = s.policy()["shadow"];
  REQUIRE(shadow.is_object());
  CHECK(shadow["version"] == v2);
  CHECK(shadow["since"] == "2026-11-20T00:00:05.000Z");
  CHECK(shadow["divergences"] == 1);
  CHECK(shadow["evaluations"] == 10);
  s.run(20);  // 00:00:36: held
  CHECK(s.policy()["shadow"]["state"] == "held for an operator");
  CHECK(s.live() == v1);

  // The file put back to the live version while the engine is down: no shadow after it.
  s.engine->stop();
  s.engine.reset();
  write_file(s.dir.file("policies/stepper.lua"), stepper(150));
  s.start();
  CHECK(s.live() == v1);
  CHECK(s.policy()["shadow"].is_null());
  CHECK_FALSE(must(s.engine->store()->load_state("shadow:stepper.lua")));
}

TEST_CASE("shadow: in every mode, the same judgement draws the same trajectory") {
  // Observe follows would-be values, propose and advise move nothing until a person does:
  // the shadow's own guard moves as the live one does, so a reworded version never diverges.
  for (const char* mode : {"observe", "advise", "propose", "enforce"}) {
    INFO(mode);
    Shadowing s(0, mode);
    s.run(5);
    s.save(stepper(150, "reworded"));
    const std::string v2 = s.policy()["shadow"]["version"];
    s.run(29);
    CHECK(s.policy()["shadow"]["divergences"] == 0);
    s.run(1);
    CHECK(s.live() == v2);
  }
}

TEST_CASE("shadow: a version that never ran is not promoted on its own") {
  Shadowing s;
  s.run(5);
  // The policy disabled by a config reload: neither version runs any more.
  s.overrides = "{ stepper: { disabled: true } }";
  s.engine->stop();
  s.engine.reset();
  s.start();
  s.save(stepper(150, "reworded"));
  s.run(31);
  const auto shadow = s.policy()["shadow"];
  CHECK(shadow["evaluations"] == 0);
  CHECK(shadow["state"] == "held for an operator");
  REQUIRE(s.alerts("shadow_held").size() == 1);
  CHECK(s.alerts("shadow_held")[0].message.find("it was never evaluated") != std::string::npos);
}

// What an operator can do to a running engine, each action called as the engine thread calls
// it, on a manual clock with a real store and real actuators: pauses, overrides checked like
// proposals, one pending proposal per parameter, approvals that say what happened, rollbacks
// only to what was applied and held like an override.
#include "engine/operator_actions.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/engine.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;
using json = nlohmann::json;

namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kStart = 1'795'168'800LL * kSec;

const char* kParameters = R"(parameters:
  app.limit:
    type: int
    initial: 64
    min: 10
    max: 500
    policies: [p]
    mode: MODE
    actuator: { type: log }
  app.enabled:
    type: bool
    initial: true
    policies: [p]
    mode: enforce
    actuator: { type: log }
  app.tier:
    type: enum
    choices: [bronze, silver, gold]
    policies: [p]
    mode: enforce
    actuator: { type: log }
  app.broken:
    type: int
    initial: 5
    min: 0
    max: 9
    policies: [p]
    mode: enforce
    actuator: { type: exec, argv: [/nonexistent/setpoint-test-actuator] }
)";

// The engine with one policy `p` that proposes `app.limit` = ctx.state.want (when set).
struct Operated {
  TempDir dir;
  ManualClock clock{kStart};
  SystemClock cpu;
  std::unique_ptr<Engine> engine;

  explicit Operated(const std::string& mode = "enforce") {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(dir.file("policies/p.lua"),
               "return { name = 'p', every = '1s', params = { 'app.limit', 'app.enabled', "
               "'app.tier', 'app.broken' },\n"
               "  evaluate = function(ctx) if ctx.state.want then ctx:set('app.limit', "
               "ctx.state.want) end end }\n");
    std::string parameters = kParameters;
    parameters.replace(parameters.find("MODE"), 4, mode);
    auto config =
        parse_config("engine: { tick: 1s, mode: enforce, state_path: " + dir.file("s.db") +
                         " }\npolicies: { dir: " + dir.file("policies") +
                         ", overrides: { p: { mode: enforce } } }\n" + parameters,
                     "test.yaml");
    REQUIRE(config.ok());
    EngineOptions options;
    options.clock = &clock;
    options.cpu_clock = &cpu;
    options.publish = false;
    engine = std::make_unique<Engine>(config.value(), options);
    REQUIRE(engine->start());
  }
  ~Operated() { engine->stop(); }

  // The policy wants `value` from its next evaluation on.
  void want(double value) {
    auto& live = engine->folder().live().at("p.lua");
    REQUIRE(live.state->restore_state(R"({"want":)" + std::to_string(value) + "}"));
  }
  // One second of engine time; then whatever the actuators' threads finished is recorded.
  void step() {
    clock.advance(kSec);
    engine->tick();
    settle();
  }
  void settle() {
    for (int i = 0; i < 2000 && engine->pipeline().in_flight() > 0; ++i) {
      std::this_thread::yield();
      engine->tick();
    }
    REQUIRE(engine->pipeline().in_flight() == 0);
  }
  // An action as the engine thread runs it: its answer, or its refusal as {status, error}.
  std::pair<int, json> act(const Operation& action, const json& body,
                           std::vector<std::string> captures = {}) {
    try {
      json answer = action(*engine, captures, body, "operator:otto");
      settle();
      return {200, answer};
    } catch (const Refusal& r) {
      return {r.status, json{{"error", r.message}}};
    }
  }
  double value() { return *engine->guard().value("app.limit"); }
};

}  // namespace

TEST_CASE(
    "operator: pausing what does not exist is 404; resume without a direction lifts every "
    "direction") {
  Operated o;
  CHECK(
      o.act(pause_changes, {{"scope", "policy"}, {"name", "ghost"}}) ==
      std::pair<int, json>{404, {{"error", "no policy ghost is loaded (see setpoint policies)"}}});
  CHECK(o.act(pause_changes, {{"scope", "parameter"}, {"name", "app.nothing"}}).first == 404);
  CHECK(o.act(pause_changes, {{"scope", "parameter"}, {"name", "app.limit"}, {"direction", "up"}})
            .first == 200);
  CHECK(o.act(pause_changes, {{"scope", "parameter"}, {"name", "app.limit"}, {"direction", "down"}})
            .first == 200);
  // A resume in another direction says which pauses there are.
  CHECK(o.act(resume_changes,
              {{"scope", "parameter"}, {"name", "app.limit"}, {"direction", "both"}}) ==
        std::pair<int, json>{
            404,
            {{"error",
              "nothing is paused for app.limit in that direction; its pauses are: up, down"}}});
  CHECK(o.act(resume_changes, {{"scope", "parameter"}, {"name", "app.limit"}}) ==
        std::pair<int, json>{200, {{"resumed", 2}}});
  CHECK(o.engine->guard().pauses().empty());
}

TEST_CASE(
    "operator: an override is checked like a proposal — type, whole numbers, choices, bounds") {
  Operated o;
  const auto over = [&](const json& value, const char* parameter = "app.limit") {
    return o.act(override_parameter, {{"parameter", parameter}, {"value", value}, {"for", "10m"}});
  };
  CHECK(over(50.5) ==
        std::pair<int, json>{400, {{"error", "app.limit takes whole numbers; 50.5 is not one"}}});
  CHECK(over(1e-300).first == 400);
  CHECK(
      over("fifty") ==
      std::pair<int, json>{
          400, {{"error", "app.limit is int: its value must be a finite number, not \"fifty\""}}});
  CHECK(over(1000) ==
        std::pair<int, json>{409, {{"error", "1000 is outside app.limit's bounds [10.0, 500.0]"}}});
  CHECK(over(5, "app.enabled") ==
        std::pair<int, json>{
            400, {{"error", "app.enabled is bool: its value must be true or false, not 5"}}});
  CHECK(over(0.5, "app.tier") ==
        std::pair<int, json>{
            400,
            {{"error", "app.tier is enum: its value must be one of bronze silver gold, not 0.5"}}});
  CHECK(over(99, "app.tier").first ==
        400);  // was a 500 (vector::_M_range_check) and an empty outcome in the audit
  // Nothing was recorded for any of them.
  DecisionQuery all;
  CHECK(must(o.engine->store()->decisions(all)).empty());

  const auto [status, answer] = over("gold", "app.tier");
  REQUIRE(status == 200);
  CHECK(answer["value"] == "gold");
  // An override is applied, not rolled back (the decision line once said "enforce: rolled back").
  CHECK(must(o.engine->store()->decision(answer["decision"]["id"].get<std::int64_t>()))->outcome ==
        "applied");
  CHECK(*o.engine->guard().value("app.tier") == 2);
  CHECK(over(80).first == 200);
  CHECK(o.value() == 80);
  // To the value it already has: nothing to actuate, only the pin.
  const auto same = over(80);
  CHECK(same.first == 200);
  CHECK(same.second["decision"].is_null());
}

// An override whose change fails pins nothing: a failed write once left the pin, and a value in
// `setpoint params` that never reached the target.
TEST_CASE("operator: an override whose change fails pins nothing and leaves the value as it was") {
  Operated o;
  const auto [status, answer] =
      o.act(override_parameter, {{"parameter", "app.broken"}, {"value", 7}, {"for", "1h"}});
  CHECK(status == 200);
  CHECK(must(o.engine->store()->decision(answer["decision"]["id"].get<std::int64_t>()))->outcome ==
        "failed");
  CHECK_FALSE(o.engine->guard().override_of("app.broken"));
  CHECK(*o.engine->guard().value("app.broken") == 5);
  CHECK(o.act(release_parameter, {}, {"app.broken"}).first == 404);  // nothing to lift
}

TEST_CASE(
    "operator: propose mode keeps one pending proposal per parameter; the same again waits, "
    "another supersedes") {
  Operated o("propose");
  o.want(65);
  for (int i = 0; i < 10; ++i) o.step();  // a policy asking every second for 64 -> 65
  REQUIRE(o.engine->pipeline().pending().size() == 1);
  const std::int64_t first = o.engine->pipeline().pending().begin()->first;
  o.want(70);
  o.step();
  REQUIRE(o.engine->pipeline().pending().size() == 1);
  const std::int64_t second = o.engine->pipeline().pending().begin()->first;
  CHECK(second != first);
  const auto stored = must(o.engine->store()->proposal(first));
  REQUIRE(stored);
  CHECK(stored->status == "superseded");
  const auto superseded = o.act(approve_proposal, {}, {std::to_string(first)});
  CHECK(superseded ==
        std::pair<int, json>{
            409,
            {{"error", "proposal " + std::to_string(first) + " was superseded by proposal " +
                           std::to_string(second) + "; see setpoint proposals"}}});
  // Vetted again and applied (the control plane answers once the actuator has: "applied").
  const auto [status, answer] = o.act(approve_proposal, {}, {std::to_string(second)});
  REQUIRE(status == 200);
  CHECK(must(o.engine->store()->decision(answer["decision"]["id"].get<std::int64_t>()))->outcome ==
        "applied");
  CHECK(o.value() == 70);
  const auto again = o.act(approve_proposal, {}, {std::to_string(second)});
  CHECK(again.first == 409);
  CHECK(again.second["error"].get<std::string>().rfind(
            "proposal " + std::to_string(second) + " was approved already, by operator:otto at ",
            0) == 0);
  CHECK(o.act(approve_proposal, {}, {"12345"}).first == 404);
  CHECK(o.act(approve_proposal, {}, {"99999999999999999999999"}).first == 404);
}

TEST_CASE("operator: a proposal made before the value moved is stale and cannot be approved") {
  Operated o("propose");
  o.want(70);
  o.step();
  REQUIRE(o.engine->pipeline().pending().size() == 1);
  const std::string id = std::to_string(o.engine->pipeline().pending().begin()->first);
  REQUIRE(
      o.act(override_parameter, {{"parameter", "app.limit"}, {"value", 90}, {"for", "1s"}}).first ==
      200);
  CHECK(o.act(approve_proposal, {}, {id}) ==
        std::pair<int, json>{409,
                             {{"error", "proposal " + id +
                                            " is stale: it changes app.limit from 64, which is 90 "
                                            "now; wait for a new proposal (setpoint proposals)"}}});
}

TEST_CASE(
    "operator: a rollback goes only to applied values, keeps an override unless told, and holds "
    "like one") {
  Operated o;
  o.want(100);
  o.step();  // 64 -> 100, applied
  REQUIRE(o.value() == 100);
  DecisionQuery q;
  q.target = "app.limit";
  const auto applied = must(o.engine->store()->decisions(q));
  REQUIRE(applied.size() == 1);
  const std::string id = std::to_string(applied[0].id);
  // A blocked decision never applied its value.
  o.want(2000);
  o.step();  // clamped to 500: applied, so pause it first to get a block
  REQUIRE(o.act(pause_changes, {{"scope", "parameter"}, {"name", "app.limit"}}).first == 200);
  o.want(300);
  o.step();
  const auto latest = must(o.engine->store()->decisions([] {
    DecisionQuery newest;
    newest.target = "app.limit";
    newest.newest_first = true;
    newest.limit = 1;
    return newest;
  }()));
  REQUIRE(latest.size() == 1);
  REQUIRE(latest[0].outcome == "blocked");
  const std::string blocked = std::to_string(latest[0].id);
  CHECK(o.act(roll_back_parameter, {{"version", std::stoi(blocked)}}, {"app.limit"}) ==
        std::pair<int, json>{
            409,
            {{"error",
              "decision " + blocked +
                  " did not apply its value 300 (its outcome: blocked); roll back to a decision "
                  "whose outcome is applied (setpoint decisions --target app.limit)"}}});
  REQUIRE(o.act(resume_changes, {{"scope", "parameter"}, {"name", "app.limit"}}).first == 200);
  // An override stands unless the rollback is told to replace it.
  REQUIRE(o.act(override_parameter, {{"parameter", "app.limit"}, {"value", 200}, {"for", "1h"}})
              .first == 200);
  const auto kept = o.act(roll_back_parameter, {{"version", "#" + id}}, {"app.limit"});
  CHECK(kept.first == 409);
  CHECK(kept.second["error"].get<std::string>().rfind(
            "app.limit is pinned by an override at 200 until ", 0) == 0);
  const auto [status, answer] = o.act(
      roll_back_parameter, {{"version", "#" + id}, {"replace_override", true}}, {"app.limit"});
  REQUIRE(status == 200);
  CHECK(answer["value"] == 100);
  CHECK(must(o.engine->store()->decision(answer["decision"]["id"].get<std::int64_t>()))->outcome ==
        "rolled back");
  CHECK(o.value() == 100);
  // Held for engine.rollback_hold (30 min): the policy's 300 waits behind it.
  o.want(300);
  for (int i = 0; i < 5; ++i) o.step();
  CHECK(o.value() == 100);
  REQUIRE(o.engine->guard().override_of("app.limit"));
  CHECK(o.engine->guard().override_of("app.limit")->until ==
        o.clock.wall() - 5 * kSec + 30 * 60 * kSec);
  CHECK(o.engine->guard().override_of("app.limit")->hold);
  // A rollback's hold is not an operator's pin: another rollback replaces it without being told.
  const auto again = o.act(roll_back_parameter, {{"last", true}}, {"app.limit"});
  INFO(again.second.dump());
  CHECK(again.first == 200);
  // release lifts a hold (or an override) before its time; then the policy moves it again.
  CHECK(o.act(release_parameter, {}, {"app.limit"}) ==
        std::pair<int, json>{200, {{"parameter", "app.limit"}, {"released", "rollback hold"}}});
  CHECK_FALSE(o.engine->guard().override_of("app.limit"));
  CHECK(o.act(release_parameter, {}, {"app.limit"}).first == 404);
  CHECK(o.act(release_parameter, {}, {"no.such"}).first == 404);
  o.step();
  CHECK(o.value() != 100);
}

TEST_CASE("operator: rollback --last goes back to the value before the last applied change") {
  Operated o;
  o.want(100);
  o.step();
  o.want(120);
  o.step();
  REQUIRE(o.value() == 120);
  const auto [status, answer] = o.act(roll_back_parameter, {{"last", true}}, {"app.limit"});
  REQUIRE(status == 200);
  CHECK(answer["value"] == 100);
  CHECK(o.value() == 100);
  Operated fresh;
  CHECK(fresh.act(roll_back_parameter, {{"last", true}}, {"app.limit"}) ==
        std::pair<int, json>{409, {{"error", "app.limit has no applied change to roll back"}}});
}

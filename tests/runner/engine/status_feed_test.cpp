// The end users' status feed in the real engine, on a manual clock: a degradation level that a
// policy raises and lowers is told as degraded, then fallback, then ok, each change recorded
// as a decision; observe mode's would-be values are never told; a restart keeps "since".
#include <catch2/catch.hpp>
#include <filesystem>

#include "engine/engine.hpp"
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

// Sets the level to ctx.state.want, which the test moves by editing nothing: the level
// follows a schedule of its own (1 at 10 s, 2 at 20 s, 0 at 30 s).
const char* kLevels = R"(
  return { name = "levels", every = "1s", params = { "level" },
    evaluate = function(ctx)
      local t = ctx:now() % 60
      local want = t >= 30 and 0 or t >= 20 and 2 or t >= 10 and 1 or 0
      if ctx:param("level") ~= want then ctx:set("level", want, { reason = "schedule" }) end
    end })";

struct Feed {
  TempDir dir;
  ManualClock clock{kStart};
  SystemClock cpu;
  std::unique_ptr<Engine> engine;
  std::string mode;

  explicit Feed(std::string m = "enforce") : mode(std::move(m)) {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(dir.file("policies/levels.lua"), kLevels);
    start();
  }
  void start() {
    const std::string text =
        "engine: { tick: 1s, mode: enforce, state_path: " + dir.file("s.db") +
        " }\npolicies: { dir: " + dir.file("policies") +
        ", test_gate: false, overrides: { levels: { mode: " + mode +
        " } } }\n"
        "parameters:\n  level:\n    type: int\n    initial: 0\n    min: 0\n    max: 2\n"
        "    policies: [levels]\n    mode: enforce\n    status:\n      service: checkout\n"
        "      values:\n        1: { state: degraded, message: \"Checkout is slow\", next_step: "
        "\"Retry in a minute\" }\n        2: { state: fallback, message: \"Checkout works without "
        "recommendations\" }\n";
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
  nlohmann::json service() {
    const auto view = parse_own_json(engine->view("status"));
    REQUIRE(view["services"].size() == 1);
    return view["services"][0];
  }
  std::vector<nlohmann::json> told() {
    DecisionQuery q;
    q.policy = "setpoint:status";
    std::vector<nlohmann::json> out;
    for (const auto& d : must(engine->store()->decisions(q))) out.push_back(parse_own_json(d.json));
    return out;
  }
};

}  // namespace

TEST_CASE("status feed: applied values are told as states, each change recorded, since kept") {
  Feed f;
  f.run(5);
  CHECK(f.service()["state"] == "ok");
  CHECK(f.service()["message"].is_null());
  CHECK(f.told().empty());  // ok from the start: nothing to say
  f.run(10);                // 15 s: the level went to 1 at 10 s
  auto s = f.service();
  CHECK(s["service"] == "checkout");
  CHECK(s["state"] == "degraded");
  CHECK(s["message"] == "Checkout is slow");
  CHECK(s["next_step"] == "Retry in a minute");
  CHECK(s["since"] == "2026-11-20T00:00:10.000Z");
  f.run(10);  // 25 s: 2
  CHECK(f.service()["state"] == "fallback");
  CHECK(f.service()["since"] == "2026-11-20T00:00:20.000Z");
  CHECK(f.service()["next_step"].is_null());
  f.run(10);  // 35 s: back to 0
  CHECK(f.service()["state"] == "ok");
  const auto told = f.told();  // oldest first
  REQUIRE(told.size() == 3);
  CHECK(told[0]["target"] == "status:checkout");
  CHECK(told[0]["proposed"] == "degraded");
  CHECK(told[0]["at"] == "2026-11-20T00:00:10.000Z");
  CHECK(told[0]["detail"] == "checkout: ok -> degraded; next step: Retry in a minute");
  CHECK(told[0]["outcome"] == "applied");
  CHECK(told[1]["proposed"] == "fallback");
  CHECK(told[1]["detail"] == "checkout: degraded -> fallback");
  CHECK(told[2]["proposed"] == "ok");
  CHECK(told[2]["reason"] == "back to normal");

  // A restart in the middle of a state keeps when it began, and says nothing new.
  f.run(-35 + 12 + 60);  // the next minute's 12 s: degraded since 00:01:10
  CHECK(f.service()["since"] == "2026-11-20T00:01:10.000Z");
  f.engine->stop();
  f.engine.reset();
  f.clock.advance(kSec);
  f.start();
  CHECK(f.service()["state"] == "degraded");
  CHECK(f.service()["since"] == "2026-11-20T00:01:10.000Z");
  CHECK(f.told().size() == 4);
}

TEST_CASE("status feed: a damaged saved state is read as nothing said; a new service starts now") {
  Feed f;
  f.run(12);  // degraded since 00:00:10
  f.engine->stop();
  f.engine.reset();
  {
    auto store = must(AuditStore::open(f.dir.file("s.db")));
    must(store->save_state("status_feed", R"({"checkout":{"state":7,"message":[],"since":"x"}})",
                           kStart));
  }
  f.start();
  CHECK(f.service()["state"] == "degraded");
  CHECK(f.service()["since"] == "2026-11-20T00:00:12.000Z");  // told again, from now
}

TEST_CASE("status feed: observe mode's would-be values are never told to end users") {
  Feed f("observe");
  f.run(25);
  CHECK(f.service()["state"] == "ok");
  CHECK(f.told().empty());
}

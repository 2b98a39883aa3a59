// The engine loop on a manual clock: schedules, overruns, failures and quarantine, state.
#include "engine/engine.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kStart = 1'795'168'800LL * kSec;

// An engine on a manual clock (the CPU deadline on the real one); no state file unless asked.
EngineOptions on_manual_clock(ManualClock& clock, SystemClock& cpu, bool persistent = false) {
  EngineOptions options;
  options.clock = &clock;
  options.cpu_clock = &cpu;
  options.persistent = persistent;
  return options;
}

struct Loop {
  TempDir dir;
  ManualClock clock{kStart};
  SystemClock cpu;
  std::vector<std::string> records;
  std::unique_ptr<Engine> engine;

  // `extra`: more top-level sections; `policies`: more keys of the policies section.
  explicit Loop(const std::string& policy, const std::string& extra = "",
                const std::string& policies = "") {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(dir.file("policies/p.lua"), policy);
    auto config = parse_config("engine: { tick: 1s }\npolicies: { dir: " + dir.file("policies") +
                                   policies + " }\n" + extra,
                               "test.yaml");
    REQUIRE(config.ok());
    EngineOptions options = on_manual_clock(clock, cpu);
    options.on_decision = [this](const std::string& line) { records.push_back(line); };
    engine = std::make_unique<Engine>(config.value(), options);
    REQUIRE(engine->start());
  }
  void step(Nanos by) {
    clock.advance(by);
    engine->tick();
  }
  const RunningPolicy& policy() { return engine->policies().at("p.lua"); }
};

}  // namespace

TEST_CASE(
    "engine: a policy runs at its interval, and an overdue one runs once with the missed runs "
    "counted") {
  Loop loop(
      "return { name = 'p', every = '5s', evaluate = function(ctx) ctx.state.n = (ctx.state.n or "
      "0) + 1 end }");
  loop.step(4 * kSec);
  CHECK(loop.policy().evaluations == 0);
  loop.step(kSec);
  CHECK(loop.policy().evaluations == 1);
  loop.step(5 * kSec);
  CHECK(loop.policy().evaluations == 2);
  loop.step(60 * kSec);  // a pause of a minute: 12 runs were due, one runs
  CHECK(loop.policy().evaluations == 3);
  CHECK(loop.policy().skipped == 11);
  CHECK(loop.engine->metrics().policies.at("p").skipped == 11);
  CHECK(loop.policy().saved_state == R"({"n":3})");
  loop.step(5 * kSec);  // back on the 5 s grid
  CHECK(loop.policy().evaluations == 4);
}

TEST_CASE("engine: three failures in a row quarantine a policy; its neighbours are not disturbed") {
  Loop loop("return { name = 'p', every = '1s', evaluate = function(ctx) error('broken') end }", "",
            ", failures_to_quarantine: 3, quarantine_backoff: 30s");
  for (int i = 0; i < 5; ++i) loop.step(kSec);
  CHECK(loop.policy().evaluations == 3);
  CHECK(loop.policy().failures == 3);
  CHECK(loop.policy().last_error == "policy p: p.lua:1: broken");
  CHECK(loop.engine->metrics().policies.at("p").quarantined);
  CHECK(loop.policy().health.quarantined(loop.clock.wall()));
  loop.step(30 * kSec);  // the backoff is over: it runs (and fails) again
  CHECK(loop.policy().evaluations == 4);
}

TEST_CASE(
    "engine: proposals go through the guard; in observe they are shadows on the guard's "
    "trajectory") {
  Loop loop(
      "return { name = 'p', every = '1s', params = { 'x' }, evaluate = function(ctx) ctx:set('x', "
      "ctx:param('x') + 1) end }",
      "parameters:\n  x: { type: int, initial: 1, min: 0, max: 3, policies: [p] }\n");
  for (int i = 0; i < 4; ++i) loop.step(kSec);
  REQUIRE(loop.records.size() == 4);
  CHECK(loop.records[0].find("\"value\":2,\"mode\":\"observe\",\"outcome\":\"shadow\"") !=
        std::string::npos);
  CHECK(loop.records[1].find("\"value\":3") != std::string::npos);
  // 4 is past the max, and the value already sits on it: held there, nothing to do.
  CHECK(loop.records[2].find("\"verdict\":\"block\",\"verdict_reason\":\"bounds\"") !=
        std::string::npos);
  CHECK(loop.records[2].find("held at the bound 3 (saturated)") != std::string::npos);
  CHECK(*loop.engine->guard().value("x") == 3);
}

TEST_CASE(
    "engine: with policies.only, the folder's other policies are loaded and checked but never "
    "run") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  const auto counting = [](const char* name) {
    return std::string("return { name = '") + name +
           "', every = '1s', evaluate = function(ctx) ctx.state.n = (ctx.state.n or 0) + 1 end }";
  };
  write_file(dir.file("policies/a.lua"), counting("a"));
  write_file(dir.file("policies/b.lua"), counting("b"));
  auto config = parse_config(
      "engine: { tick: 1s }\npolicies: { dir: " + dir.file("policies") + ", only: [b] }\n",
      "test.yaml");
  REQUIRE(config.ok());
  ManualClock clock{kStart};
  SystemClock cpu;
  EngineOptions options = on_manual_clock(clock, cpu);
  Engine engine(config.value(), options);
  REQUIRE(engine.start());
  for (int i = 0; i < 3; ++i) {
    clock.advance(kSec);
    engine.tick();
  }
  CHECK(engine.policies().at("a.lua").disabled);
  CHECK(engine.policies().at("a.lua").evaluations == 0);
  CHECK(engine.policies().at("b.lua").evaluations == 3);
}

// A dry-run keeps none of its would-be values: the real run after it starts from the state the
// last real run left (here none: the initial values), its policies from their real memory.
TEST_CASE(
    "engine: a dry-run keeps no guard or policy state; the real run after it starts from the real "
    "values") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  write_file(
      dir.file("policies/p.lua"),
      "return { name = 'p', every = '1s', params = { 'x' }, evaluate = function(ctx)\n"
      "  ctx.state.runs = (ctx.state.runs or 0) + 1; ctx:set('x', ctx:param('x') + 1) end }");
  const std::string text =
      "engine: { tick: 1s, state_path: " + dir.file("s.db") +
      " }\npolicies: { dir: " + dir.file("policies") +
      " }\nparameters:\n  x: { type: int, initial: 10, min: 0, max: 100, policies: [p] }\n";
  ManualClock clock{kStart};
  SystemClock cpu;
  const auto run = [&](bool dry, int seconds) {
    auto config = parse_config(text, "test.yaml");
    REQUIRE(config.ok());
    EngineOptions options = on_manual_clock(clock, cpu, true);
    options.dry_run = dry;
    Engine engine(config.value(), options);
    REQUIRE(engine.start());
    const double first = *engine.guard().value("x");
    for (int i = 0; i < seconds; ++i) {
      clock.advance(kSec);
      engine.tick();
    }
    const std::string state = engine.policies().at("p.lua").saved_state;
    engine.stop();
    return std::make_tuple(first, *engine.guard().value("x"), state);
  };
  const auto [dry_first, dry_last, dry_state] = run(true, 5);
  CHECK(dry_first == 10);
  CHECK(dry_last == 15);  // the shadows follow the would-be trajectory
  CHECK(dry_state == R"({"runs":5})");
  const auto [real_first, real_last, real_state] = run(false, 2);
  CHECK(real_first == 10);  // not 15
  CHECK(real_last == 12);
  CHECK(real_state == R"({"runs":2})");  // not 7
  const auto [again_first, again_last, again_state] = run(false, 1);
  CHECK(again_first == 12);  // a real run's state is kept
  CHECK(again_state == R"({"runs":3})");
}

TEST_CASE(
    "engine: a target with no actuator section is logged only, and what actuators did is counted") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  write_file(dir.file("policies/p.lua"),
             "return { name = 'p', every = '1s', params = { 'x', 'y' }, evaluate = function(ctx)\n"
             "  ctx:set('x', ctx:param('x') + 1); ctx:set('y', ctx:param('y') + 1) end }");
  auto config = parse_config(
      "engine: { tick: 1s, mode: enforce }\npolicies: { dir: " + dir.file("policies") +
          ", overrides: { p: { mode: enforce } } }\nparameters:\n"
          "  x: { type: int, initial: 10, min: 0, max: 100, policies: [p], mode: enforce }\n"
          "  y: { type: int, initial: 10, min: 0, max: 100, policies: [p], mode: enforce,\n"
          "       actuator: { type: exec, argv: [/nonexistent/setpoint-test-program] } }\n",
      "test.yaml");
  REQUIRE(config.ok());
  ManualClock clock{kStart};
  SystemClock cpu;
  EngineOptions options = on_manual_clock(clock, cpu);
  std::vector<std::string> records;
  options.on_decision = [&](const std::string& line) { records.push_back(line); };
  Engine engine(config.value(), options);
  REQUIRE(engine.start());
  clock.advance(kSec);
  engine.tick();
  for (int i = 0; i < 200 && engine.metrics().results.size() < 2;
       ++i) {  // the pool answers off the engine thread
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    engine.tick();
  }
  engine.stop();
  CHECK(*engine.guard().value("x") == 11);
  CHECK(*engine.guard().value("y") == 10);  // a failed change does not move the guard
  CHECK(engine.metrics().results.at("applied") == 1);
  CHECK(engine.metrics().results.at("failed") == 1);
  const bool logged = std::any_of(records.begin(), records.end(), [](const std::string& r) {
    return r.find("\"target\":\"x\"") != std::string::npos &&
           r.find("logged only") != std::string::npos;
  });
  INFO(records.size() << " records; the first: " << (records.empty() ? "" : records[0]));
  CHECK(logged);
}

TEST_CASE(
    "engine: decisions the decision log cannot take are counted in /metrics; the store keeps "
    "them") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  write_file(dir.file("policies/p.lua"),
             "return { name = 'p', every = '1s', params = { 'x' }, evaluate = function(ctx)\n"
             "  ctx:set('x', ctx:param('x') + 1) end }");
  auto config =
      parse_config("engine: { tick: 1s, decision_log: /dev/full, state_path: " + dir.file("s.db") +
                       " }\npolicies: { dir: " + dir.file("policies") +
                       " }\nparameters:\n"
                       "  x: { type: int, initial: 10, min: 0, max: 100, policies: [p] }\n",
                   "test.yaml");
  REQUIRE(config.ok());
  ManualClock clock{kStart};
  SystemClock cpu;
  Engine engine(config.value(), on_manual_clock(clock, cpu, true));
  REQUIRE(engine.start());
  for (int i = 0; i < 3; ++i) {
    clock.advance(kSec);
    engine.tick();
  }
  engine.stop();
  CHECK(engine.metrics().decision_log_failures == 3);  // one advised decision a second
  CHECK(engine.metrics_text().find("setpoint_decision_log_write_failures_total 3\n") !=
        std::string::npos);
  auto store = AuditStore::open(dir.file("s.db")).value();
  CHECK(must(store->decisions({})).size() == 3);
}

TEST_CASE("engine: writes the store refuses are counted in /metrics, from every pipeline") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  write_file(dir.file("policies/p.lua"),
             "return { name = 'p', every = '1s', params = { 'x' }, evaluate = function(ctx)\n"
             "  ctx:set('x', ctx:param('x') + 1) end }");
  const std::string yaml = "engine: { tick: 1s, state_path: " + dir.file("s.db") +
                           " }\npolicies: { dir: " + dir.file("policies") +
                           " }\nparameters:\n"
                           "  x: { type: int, initial: 10, min: 0, max: 100, policies: [p] }\n";
  auto config = parse_config(yaml, "test.yaml");
  REQUIRE(config.ok());
  ManualClock clock{kStart};
  SystemClock cpu;
  Engine engine(config.value(), on_manual_clock(clock, cpu, true));
  REQUIRE(engine.start());
  setpoint::testing::drop_tables(dir.file("s.db"), {"decisions"});
  for (int i = 0; i < 2; ++i) {
    clock.advance(kSec);
    engine.tick();
  }
  // A reload makes a new pipeline: what the old one counted is kept.
  REQUIRE(engine.reload_config(parse_config(yaml, "test.yaml").value()));
  clock.advance(kSec);
  engine.tick();
  engine.stop();
  CHECK(engine.metrics().store_write_failures == 3);  // one shadow decision a second
  CHECK(engine.metrics_text().find("setpoint_store_write_failures_total 3\n") != std::string::npos);
}

TEST_CASE("engine: closed hours go to kpi_hourly, and a policy reads them with ctx:history") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  write_file(dir.file("policies/p.lua"),
             "return { name = 'p', every = '1m', params = { 'x' }, evaluate = function(ctx)\n"
             "  local h = ctx:history('lat', nil, '2h', { by = '1h' })\n"
             "  if h.hours_found > 0 then ctx:set('x', h.total.count) end end }");
  auto config =
      parse_config("engine: { tick: 1s, state_path: " + dir.file("s.db") +
                       " }\npolicies: { dir: " + dir.file("policies") +
                       " }\nparameters:\n"
                       "  x: { type: int, initial: 0, min: 0, max: 100000, policies: [p] }\n",
                   "test.yaml");
  REQUIRE(config.ok());
  ManualClock clock{kStart};
  SystemClock cpu;
  Engine engine(config.value(), on_manual_clock(clock, cpu, true));
  REQUIRE(engine.start());
  engine.tick();
  const auto lat = engine.aggregator().resolve("lat", {});
  for (int m = 0; m < 60; ++m) lat.record(kStart + m * 60 * kSec, 100.0 + m, OutcomeSet::kOk);
  clock.advance(3600 * kSec + 61 * kSec);  // the hour has closed, and its grace
  engine.tick();
  engine.settle_history();
  clock.advance(60 * kSec);
  engine.tick();  // the policy's next run reads the hour
  engine.stop();
  CHECK(*engine.guard().value("x") == 60);
  CHECK(engine.metrics_text().find("setpoint_history_rows_total 1\n") != std::string::npos);
  auto store = must(history::HistoryStore::open(dir.file("s.db")));
  const auto hours = must(store->read("lat{}", kStart, kStart + 3600 * kSec));
  REQUIRE(hours.size() == 1);
  CHECK(hours[0].min == 100);
  CHECK(hours[0].max == 159);
}

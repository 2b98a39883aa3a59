// Autopilot cycles in the real engine, on a manual clock, against a service whose latency is
// a known function of the parameter: cycle records, impact measured against the model, the
// rollback of a change that made things worse, timeouts, garbage, the drift monitor's pause,
// a store that cannot be written, and a restart in the middle of a cycle.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/json_document.hpp"
#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kMinute = 60 * kSec;
constexpr Nanos kHour = 60 * kMinute;
constexpr Nanos kDay = 24 * kHour;
constexpr Nanos kDay0 = 1'795'132'800LL * kSec;  // 2026-11-20T00:00:00Z

// A nightly policy that raises x by `step` and predicts p99 of `lat` moves by `change`.
std::string nightly(double step, double change, const std::string& autopilot = "") {
  return "return { name = 'nightly', schedule = 'daily 03:00', params = { 'x' },\n"
         "  autopilot = { verify = '24h', worse_by = 0.05" +
         (autopilot.empty() ? "" : ", " + autopilot) +
         " },\n"
         "  evaluate = function(ctx)\n"
         "    ctx:set('x', ctx:param('x') + " +
         std::to_string(step) +
         ", { reason = 'more room',\n"
         "      expected = { metric = 'lat', stat = 'p99', change = " +
         std::to_string(change) +
         " }, confidence = 0.8 })\n"
         "  end }\n";
}

struct Service {
  TempDir dir;
  ManualClock clock{kDay0};
  SystemClock cpu;
  std::unique_ptr<Engine> engine;
  std::function<double(double)> latency = [](double x) { return 1000.0 / x; };  // ms at x

  // `x_extra`: more keys of parameter x; `extra`: more top-level sections.
  explicit Service(const std::string& policy, const std::string& x_extra = "",
                   const std::string& extra = "") {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(dir.file("policies/nightly.lua"), policy);
    config_text = "engine: { tick: 1s, mode: enforce, state_path: " + dir.file("s.db") +
                  " }\npolicies: { dir: " + dir.file("policies") +
                  ", test_gate: false, overrides: { nightly: { mode: enforce } } }\n"
                  "parameters:\n  x:\n    type: float\n    initial: 100\n    min: 10\n"
                  "    max: 400\n    policies: [nightly]\n    mode: enforce\n" +
                  x_extra + extra;
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
  double x() { return *engine->guard().value("x"); }
  // Waits for the actuator threads (the log actuator answers at once) at the same instant.
  void settle() {
    while (engine->pipeline().in_flight() > 0) {
      std::this_thread::yield();
      engine->tick();
    }
  }
  // The world a minute at a time: the service's latency at the current x, then a pass.
  void run(Nanos span) {
    const auto lat = engine->aggregator().resolve("lat", {});
    for (Nanos t = 0; t < span; t += kMinute) {
      const double ms = latency(x());
      for (int i = 0; i < 10; ++i) lat.record(clock.wall() + i * kSec, ms, OutcomeSet::kOk);
      clock.advance(kMinute);
      engine->tick();
      settle();
      engine->settle_history();
    }
  }
  std::vector<CycleRow> cycles() { return must(engine->store()->cycles()); }
  std::vector<ImpactRow> impacts() { return must(engine->store()->impacts()); }
  std::string config_text;
};

}  // namespace

TEST_CASE("autopilot: a cycle is recorded, and its impact measured against a known model") {
  Service s(nightly(10, -0.10));
  s.run(3 * kHour + 5 * kMinute);  // to 03:05: the first cycle has run
  CHECK(s.x() == 110);
  auto cycles = s.cycles();
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0].id == "nightly@2026-11-20T03:00:00.000Z");
  CHECK(cycles[0].status == "completed");
  CHECK(cycles[0].completed_at >= cycles[0].started_at);  // the log actuator answers at once
  CHECK(cycles[0].analysis == "{}");  // it read no window: nothing of the world as evidence
  const auto proposed = parse_own_json(cycles[0].proposed_changes);
  REQUIRE(proposed.size() == 1);
  CHECK(proposed[0]["cycle"] == "nightly@2026-11-20T03:00:00.000Z");
  CHECK(proposed[0]["expected"]["change"] == -0.1);
  CHECK(proposed[0]["expected"]["series"] == "lat{}");
  CHECK(proposed[0]["confidence"] == 0.8);
  CHECK(proposed[0]["outcome"] == "");  // recorded as the intent went out

  // The next day at 02:03 its 22 hours after (04:00 to 02:00) are in the history.
  s.run(23 * kHour);
  REQUIRE(s.cycles().size() == 1);
  const auto impacts = s.impacts();
  REQUIRE(impacts.size() == 1);
  const ImpactRow& i = impacts[0];
  CHECK(i.cycle == "nightly@2026-11-20T03:00:00.000Z");
  CHECK(i.target == "x");
  CHECK(i.predicted == -0.1);
  CHECK(i.before == Approx(10).epsilon(0.02));  // 1000 / 100 ms, within the sketch's error
  CHECK(i.after == Approx(1000.0 / 110).epsilon(0.02));
  CHECK(i.actual == Approx(-1.0 / 11).margin(0.02));
  CHECK(i.error == Approx(0.0909).margin(0.2));
  CHECK_FALSE(i.worse);
  s.run(kHour);
  CHECK(s.x() == 120);  // the second cycle ran at 03:00, after the check at 02:03
  CHECK(s.cycles().size() == 2);
  const auto view = parse_own_json(s.engine->view("autopilot"));
  CHECK(view["monitor"]["measured"] == 1);
  CHECK(s.engine->metrics_text().find("setpoint_autopilot_impacts_total 1\n") != std::string::npos);
}

TEST_CASE("autopilot: a change that made its KPI worse is rolled back, and the bounds narrow") {
  Service s(nightly(20, -0.10),
            "    sliding_bounds: { operating: [90, 130], contract_after_rollback: 50% }\n");
  s.latency = [](double x) { return x / 10; };  // more room is slower here: the model is wrong
  s.run(3 * kHour + 5 * kMinute);
  CHECK(s.x() == 120);
  s.run(23 * kHour);  // to 02:05 the next day: the check has run
  const auto impacts = s.impacts();
  REQUIRE(impacts.size() == 1);
  CHECK(impacts[0].worse);
  CHECK(impacts[0].actual == Approx(0.2).margin(0.02));
  CHECK(impacts[0].detail.find("rolled back") != std::string::npos);
  CHECK(s.x() == 100);  // back where it was
  CHECK(s.cycles()[0].status == "rolled_back");
  // Narrowed by half around 100: [95, 115].
  const auto bounds = must(s.engine->store()->bounds());
  REQUIRE(bounds.size() == 1);
  CHECK(bounds[0].min == Approx(95));
  CHECK(bounds[0].max == Approx(115));
  CHECK(bounds[0].rollback_count == 1);
  CHECK(s.engine->guard().operating_range("x")->max == Approx(115));
  // The next cycle asks for 120 and is held at the narrowed bound.
  s.run(kHour);
  CHECK(s.x() == Approx(115));
}

TEST_CASE("autopilot: a cycle past max_duration is timed out and its unfinished change undone") {
  // The parameter's own verification takes 20 minutes; the cycle has 10.
  Service s(nightly(10, -0.10, "max_duration = '10m'"),
            "    verify: { series: 'lat{}', stat: p99, window: 20m, worse_by: 50% }\n");
  s.run(3 * kHour + 11 * kMinute);
  const auto cycles = s.cycles();
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0].status == "timed_out");
  CHECK(
      cycles[0].error.find("passed its max_duration of 10m; 1 unfinished change(s) rolled back") !=
      std::string::npos);
  CHECK(s.x() == 100);
  CHECK(s.engine->metrics_text().find("setpoint_autopilot_cycles_total{status=\"timed_out\"} 1") !=
        std::string::npos);
  CHECK(s.engine->autopilot().counts().alerts == 1);
  s.run(20 * kMinute);  // the cancelled verification never runs
  CHECK(s.x() == 100);
}

TEST_CASE("autopilot: garbage and errors fail the cycle; three in a row pause autopilot") {
  Service s(
      "return { name = 'nightly', schedule = 'daily 03:00', params = { 'x' }, autopilot = {},\n"
      "  evaluate = function(ctx)\n"
      "    if ctx:now() % 172800 < 86400 then ctx:set('x', 150) else error('model broke') end\n"
      "  end }\n");
  s.run(2 * 24 * kHour + 4 * kHour);  // three cycles, failing by turns: error, garbage, error
  auto cycles = s.cycles();
  REQUIRE(cycles.size() == 3);
  CHECK(cycles[1].status == "failed");
  CHECK(cycles[1].error ==
        "proposed garbage: the proposal for x says no expected impact; nothing of the cycle was "
        "applied");
  CHECK(cycles[0].error.find("model broke") != std::string::npos);
  CHECK(cycles[2].error.find("model broke") != std::string::npos);
  CHECK(s.x() == 100);  // nothing of a garbage cycle is applied
  const auto events = must(s.engine->store()->drift_events("consecutive_failures"));
  REQUIRE(events.size() == 1);
  CHECK(parse_own_json(events[0].metrics)["consecutive_failures"] == 3);
  CHECK(parse_own_json(events[0].action)["pause"] == "2d");
  CHECK(s.engine->autopilot().paused(s.clock.wall()));
  CHECK(s.engine->metrics_text().find("setpoint_autopilot_paused 1\n") != std::string::npos);
  s.run(24 * kHour);  // the fourth is skipped: paused
  cycles = s.cycles();
  REQUIRE(cycles.size() == 4);
  CHECK(cycles[0].status == "skipped");
  CHECK(cycles[0].error.find("paused by the drift monitor until") != std::string::npos);
  CHECK(s.engine->autopilot().lift("operator:alice", s.clock.wall()));
  CHECK(must(s.engine->store()->drift_events("consecutive_failures"))[0].resolved_at ==
        s.clock.wall());
  s.run(24 * kHour);
  CHECK(s.cycles()[0].status == "failed");  // it runs again (and fails again)
}

TEST_CASE("autopilot: global pauses stop cycles, and autopilot.enabled: false stops it all") {
  Service s(nightly(10, -0.1));
  s.engine->guard().pause({Pause::Scope::kGlobal, "", Direction::kBoth, 0});
  s.run(3 * kHour + kMinute);
  REQUIRE(s.cycles().size() == 1);
  CHECK(s.cycles()[0].status == "skipped");
  CHECK(s.cycles()[0].error == "changes are paused by an operator");
  CHECK(s.x() == 100);

  Service off(nightly(10, -0.1), "", "autopilot: { enabled: false }\n");
  off.run(3 * kHour + kMinute);
  CHECK(off.cycles().empty());
  CHECK(off.engine->policies().at("nightly.lua").evaluations == 0);
  CHECK(off.x() == 100);
}

TEST_CASE("autopilot: a store that cannot record the cycle runs no cycle, and says so") {
  Service s(nightly(10, -0.1));
  setpoint::testing::drop_tables(s.dir.file("s.db"), {"autopilot_cycles"});
  s.run(3 * kHour + kMinute);
  CHECK(s.x() == 100);  // never a change it cannot record
  CHECK(s.engine->policies().at("nightly.lua").evaluations == 0);
  const auto view = parse_own_json(s.engine->view("autopilot"));
  CHECK(view["store_failing"] == true);
  REQUIRE(view["alerts"].size() == 1);
  CHECK(view["alerts"][0].get<std::string>().find("store_unwritable: cycle nightly@") == 0);
}

TEST_CASE("autopilot: a restart in the middle of a cycle resumes it; nothing is applied twice") {
  Service s(nightly(10, -0.1, "max_duration = '1h'"),
            "    verify: { series: 'lat{}', stat: p99, window: 20m, worse_by: 50% }\n");
  s.run(3 * kHour + 5 * kMinute);  // the change is made; its verification has 15 minutes left
  REQUIRE(s.cycles()[0].status == "running");
  s.engine->stop();
  s.start();  // the same store
  s.run(30 * kMinute);
  const auto cycles = s.cycles();
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0].status == "completed");
  CHECK(s.x() == 110);
  CHECK(s.engine->policies().at("nightly.lua").evaluations == 0);  // not run again
  DecisionQuery q;
  q.target = "x";
  CHECK(must(s.engine->store()->decisions(q)).size() == 1);
}

TEST_CASE("autopilot: operating bounds hold a cycle's proposal; stable weeks widen them") {
  Service s(nightly(50, -0.1),
            "    sliding_bounds: { operating: [90, 120], expand_per_week: 50%, stable_days: 2 }\n");
  s.run(3 * kHour + kMinute);
  CHECK(s.x() == 120);  // 150 held at the operating bound
  DecisionQuery q;
  q.target = "x";
  const auto decided = must(s.engine->store()->decisions(q));
  REQUIRE(decided.size() == 1);
  CHECK(parse_own_json(decided[0].json)["verdict_reason"] == "operating_bounds");
  s.run(2 * kDay);  // two stable days: the upper side (touched) widens by 50% × 2/7 of 30
  const auto b = s.engine->autopilot().bounds().at("x");
  CHECK(b.min() == 90);  // never touched: anti-windup
  CHECK(b.max() == Approx(120 + 0.5 * 30 * 2 / 7.0));
  CHECK(s.x() <= b.max());
}

TEST_CASE("autopilot: a rollback at one impact check loses no other check of the same pass") {
  Service s(
      "return { name = 'nightly', schedule = 'daily 03:00', params = { 'x', 'y' },\n"
      "  autopilot = { verify = '24h', worse_by = 0.05 },\n"
      "  evaluate = function(ctx)\n"
      "    ctx:set('x', ctx:param('x') + 20, { expected = { metric = 'lat', stat = 'p99',\n"
      "      change = -0.1 }, confidence = 0.5 })\n"
      "    ctx:set('y', ctx:param('y') + 1, { expected = { metric = 'lat', stat = 'rate_per_s',\n"
      "      change = 0, better = 'higher' }, confidence = 0.5 })\n"
      "  end }\n",
      "",
      "  y: { type: float, initial: 1, min: 0, max: 100, policies: [nightly], mode: enforce }\n");
  s.latency = [](double x) { return x / 10; };  // x's change makes p99 20 % worse
  s.run(3 * kHour + 5 * kMinute);
  s.run(23 * kHour);
  const auto impacts = s.impacts();
  REQUIRE(impacts.size() == 2);  // both measured in the same pass
  CHECK(impacts[0].target == "x");
  CHECK(impacts[0].worse);
  CHECK(impacts[1].target == "y");
  CHECK_FALSE(impacts[1].worse);
  CHECK(s.x() == 100);
  CHECK(*s.engine->guard().value("y") == 2);  // its change holds
}

TEST_CASE("autopilot: an impact whose window saw another change is not measured, never undone") {
  Service s(nightly(20, -0.1));
  s.latency = [](double x) { return x / 10; };
  s.run(3 * kHour + 5 * kMinute);  // x 100 -> 120 by the cycle
  // An operator pins it elsewhere: the cycle's change is no longer what the window shows.
  s.run(9 * kHour);
  override_parameter(*s.engine, {}, {{"parameter", "x"}, {"value", 130}, {"for", "2h"}},
                     "operator:ada");
  s.settle();
  s.run(14 * kHour);
  const auto impacts = s.impacts();
  REQUIRE(impacts.size() == 1);
  CHECK_FALSE(impacts[0].worse);
  CHECK(impacts[0].detail.find("not measured: x moved after the change, within its window") == 0);
  CHECK(s.x() == 130);  // the operator's value stands
}

namespace {

// Parameter x rolled out in three steps, its canary's value and weight in files of their own.
std::string rolled_out(const TempDir& dir) {
  write_file(dir.file("canary.json"), "{\"x\": 100}");
  write_file(dir.file("weight.json"), "{\"weight\": 0}");
  write_file(dir.file("x.json"), "{\"x\": 100}");
  return "    actuator: { type: file, path: " + dir.file("x.json") +
         ", key: x }\n"
         "    rollout:\n      steps: [10, 50, 100]\n      step_duration: 2m\n      interval: 1m\n"
         "      canary: { type: file, path: " +
         dir.file("canary.json") +
         ", key: x }\n      weight: { type: file, path: " + dir.file("weight.json") +
         ", key: weight }\n"
         "      kpis:\n        - { series: 'lat{}', stat: p90, critical: true, unit: ms }\n";
}

double file_number(const std::string& path, const char* key) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto doc = parse_own_json(text);
  return doc.is_object() && doc.contains(key) ? doc[key].get<double>() : 0;
}

// A minute at a time: 1000 requests split by the canary's weight, each side at 1000 / its
// value ms (±20 %), recorded by cohort and as a whole (what the impact check reads).
void run_cohorts(Service& s, const TempDir& files, Nanos span) {
  const auto all = s.engine->aggregator().resolve("lat", {});
  const auto canary = s.engine->aggregator().resolve("lat", {{"cohort", "canary"}});
  const auto baseline = s.engine->aggregator().resolve("lat", {{"cohort", "baseline"}});
  for (Nanos t = 0; t < span; t += kMinute) {
    const int on_canary = static_cast<int>(10 * file_number(files.file("weight.json"), "weight"));
    const double canary_x = file_number(files.file("canary.json"), "x");
    for (int i = 0; i < 1000; ++i) {
      const bool c = i < on_canary;
      const double ms = 1000.0 / (c ? canary_x : s.x()) * (0.8 + 0.4 * ((i * 7) % 100) / 100.0);
      const Nanos at = s.clock.wall() + (i % 60) * kSec;
      (c ? canary : baseline).record(at, ms, OutcomeSet::kOk);
      all.record(at, ms, OutcomeSet::kOk);
    }
    s.clock.advance(kMinute);
    s.engine->tick();
    while (s.engine->pipeline().in_flight() > 0 || s.engine->rollouts().actuating() > 0) {
      std::this_thread::yield();
      s.engine->tick();
    }
    s.engine->settle_history();
  }
}

}  // namespace

TEST_CASE("autopilot: a cycle's change on a rolled-out parameter is checked once promoted") {
  TempDir files;
  Service s(nightly(25, -0.2), rolled_out(files));
  run_cohorts(s, files, 3 * kHour + kMinute);  // 03:01: the cycle staged x = 125, canary at 10 %
  auto cycles = s.cycles();
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0].status == "completed");  // the rollout has it now
  const auto outcome = parse_own_json(cycles[0].outcome);
  CHECK(outcome["changes"][0]["staged"] == true);
  const auto staged = outcome["changes"][0]["decision"].get<std::int64_t>();
  CHECK(s.x() == 100);
  run_cohorts(s, files, 6 * kMinute);  // two steps of two looks: promoted
  const auto rollouts = must(s.engine->store()->rollouts());
  REQUIRE(rollouts.size() == 1);
  CHECK(rollouts[0].status == "promoted");
  CHECK(rollouts[0].cycle == cycles[0].id);
  CHECK(rollouts[0].decision == staged);
  CHECK(s.x() == 125);
  // The promotion is the cycle's change: its decision says so, and its impact is to be checked.
  const auto view = parse_own_json(s.engine->autopilot().view(s.clock.wall()));
  REQUIRE(view["impact_checks"].size() == 1);
  const auto promotion = view["impact_checks"][0]["decision"].get<std::int64_t>();
  CHECK(promotion != staged);
  const auto decision = must(s.engine->store()->decision(promotion));
  REQUIRE(decision);
  CHECK(parse_own_json(decision->json)["cycle"] == cycles[0].id);
  CHECK(parse_own_json(decision->json)["outcome"] == "applied");
  // A day on, it is measured like any applied change of a cycle.
  s.run(25 * kHour);
  const auto impacts = s.impacts();
  REQUIRE_FALSE(impacts.empty());
  CHECK(impacts[0].decision == promotion);
  CHECK(impacts[0].cycle == cycles[0].id);
}

TEST_CASE(
    "autopilot: a cycle's change that its canary rolls back counts as the autopilot's rollback") {
  TempDir files;
  Service s(nightly(-50, -0.2), rolled_out(files));  // x = 50: twice as slow
  run_cohorts(s, files, 3 * kHour + 3 * kMinute);    // staged at 03:00, judged at 03:01, 03:02
  const auto rollouts = must(s.engine->store()->rollouts());
  REQUIRE(rollouts.size() == 1);
  CHECK(rollouts[0].status == "rolled_back");
  CHECK(s.x() == 100);
  const auto cycles = s.cycles();
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0].status == "rolled_back");
  CHECK(s.engine->autopilot().counts().rollbacks == 1);
  CHECK(s.engine->autopilot().figures(s.clock.wall()).rolled_back == 1);
  CHECK(parse_own_json(s.engine->autopilot().view(s.clock.wall()))["impact_checks"].empty());
}

TEST_CASE("policies read the engine's own record: ctx:decisions sees what was decided") {
  // Each pass proposes 101 + the number of decisions of x in the last hour: the first sees
  // none, every later one sees what the earlier passes decided.
  Service s(
      "return { name = 'nightly', every = '10s', params = { 'x' },\n"
      "  evaluate = function(ctx)\n"
      "    local d = ctx:decisions{ since = '1h', parameter = 'x' }\n"
      "    ctx:set('x', 101 + #d, { reason = 'seen ' .. #d })\n"
      "  end }\n");
  s.run(2 * kMinute);
  const auto decided = must(s.engine->store()->decisions(DecisionQuery{}));
  REQUIRE(decided.size() >= 2);
  for (std::size_t i = 0; i < decided.size(); ++i) {  // oldest first: the i-th saw i before it
    INFO(decided[i].json);
    CHECK(parse_own_json(decided[i].json)["reason"] == "seen " + std::to_string(i));
  }
}

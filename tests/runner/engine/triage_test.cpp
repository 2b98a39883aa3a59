// The weekly triage in the real engine, on a manual clock: alerts and policy errors kept in the
// store, the seed policies/weekly_triage.lua run on demand and on its schedule over what the
// engine itself recorded, its report stored, and its bounds patch approved by an operator —
// after which every policy's proposals keep to the new range, across a restart.
#include <catch2/catch.hpp>
#include <filesystem>

#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/json_document.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::read_file;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kDay0 = 1'795'132'800LL * kSec;  // 2026-11-20T00:00:00Z, a Friday

// Moves x between 100 and 200 every run (flapping), and says so.
const char* kJumpy = R"(
  return { name = "jumpy", every = "1s", params = { "x" },
    evaluate = function(ctx)
      ctx:set("x", ctx:param("x") == 100 and 200 or 100, { reason = "jump" })
      ctx:alert("x is jumpy")
    end })";
const char* kBroken = R"(
  return { name = "broken", every = "1s", evaluate = function(ctx) error("no such thing") end })";

struct Triage {
  TempDir dir;
  ManualClock clock{kDay0};
  SystemClock cpu;
  std::unique_ptr<Engine> engine;
  std::string config_text;

  // `triage`: the triage policy's source (default: the seed's).
  explicit Triage(const std::string& triage = "") {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(dir.file("policies/jumpy.lua"), kJumpy);
    write_file(dir.file("policies/broken.lua"), kBroken);
    write_file(dir.file("policies/weekly_triage.lua"),
               !triage.empty()
                   ? triage
                   : read_file(std::string(SETPOINT_SOURCE_DIR) + "/policies/weekly_triage.lua"));
    config_text = "engine: { tick: 1s, mode: enforce, state_path: " + dir.file("s.db") +
                  " }\npolicies: { dir: " + dir.file("policies") +
                  ", test_gate: false, overrides: { jumpy: { mode: enforce },"
                  " weekly_triage: { cpu: 2s } } }\n"
                  "parameters:\n  x:\n    type: float\n    initial: 100\n    min: 10\n"
                  "    max: 400\n    policies: [jumpy]\n    mode: enforce\n";
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
  void settle() {
    while (engine->pipeline().in_flight() > 0) engine->tick();
  }
  void run(int seconds) {
    for (int i = 0; i < seconds; ++i) {
      clock.advance(kSec);
      engine->tick();
      settle();
    }
  }
  nlohmann::json report(const std::string& id) {
    const auto row = must(engine->store()->triage_report(id));
    REQUIRE(row);
    return parse_own_json(row->report);
  }
};

}  // namespace

TEST_CASE("alerts and policy errors are kept, one row an episode, and read as incidents") {
  Triage t;
  t.run(10);
  const auto alerts = must(t.engine->store()->alerts(0, 100));
  std::map<std::string, AlertRow> by_kind;
  for (const auto& a : alerts) by_kind[a.source + "/" + a.kind] = a;
  REQUIRE(by_kind.count("jumpy/alert") == 1);
  CHECK(by_kind["jumpy/alert"].count == 10);
  CHECK(by_kind["jumpy/alert"].message == "x is jumpy");
  REQUIRE(by_kind.count("broken/policy_error") == 1);
  CHECK(by_kind["broken/policy_error"].count == 3);  // then quarantined for 30 s
  CHECK(by_kind["broken/policy_error"].message.find("no such thing") != std::string::npos);
  REQUIRE(by_kind.count("broken/quarantine") == 1);
  CHECK(by_kind["broken/quarantine"].message.find("after 3 failures in a row") !=
        std::string::npos);
}

TEST_CASE("triage on demand: the engine's own week, counted, reported, and a patch proposed") {
  Triage t;
  t.run(10);  // x: 200, 100, 200, … — 9 reversals within a minute
  const auto written = must(t.engine->run_triage(7 * 24 * 3600 * kSec, "alice"));
  REQUIRE(written.size() == 1);
  CHECK(written[0] == "weekly_triage@2026-11-20T00:00:10.000Z");
  const auto doc = t.report(written[0]);
  CHECK(doc["trigger"] == "operator:alice");
  CHECK(doc["period"]["from"] == "2026-11-13T00:00:10.000Z");
  const auto& c = doc["categories"];
  CHECK(c["stability"]["count"] == 9);
  CHECK(c["stability"]["parameters"]["x"] == 9);
  CHECK(c["validation_failures"]["policy_errors"]["broken"] == 4);  // 3 errors, 1 quarantine
  CHECK(c["performance_degradation"]["count"] == 0);
  // One patch: x narrows by 25 % around its value 100 inside [10, 400].
  REQUIRE(doc["patches"].size() == 1);
  const auto& patch = doc["patches"][0];
  CHECK(patch["parameter"] == "x");
  CHECK(patch["min"] == 32.5);
  CHECK(patch["max"] == 325);
  CHECK(patch["outcome"] == "pending");
  CHECK(patch["confidence"] == 0.95);
  // The worst incidents: the quarantine, then the errors; alerts name no decision.
  REQUIRE(doc["worst"].size() == 2);
  CHECK(doc["worst"][0]["kind"] == "quarantine");
  CHECK(doc["worst"][0]["when"] == "2026-11-20T00:00:03.000Z");
  CHECK(doc["worst"][0]["decision_record"].is_null());
  CHECK(doc["worst"][1]["kind"] == "policy_error");
  const auto row = must(t.engine->store()->triage_report(written[0]));
  CHECK(row->patch_suggestions == dump(doc["patches"]));
  CHECK(row->failure_categories == dump(doc["categories"]));

  // The patch waits for a person; an operator approves it, and every policy keeps to it.
  const std::int64_t id = patch["decision"].get<std::int64_t>();
  REQUIRE(t.engine->pipeline().pending().count(id) == 1);
  const auto answer =
      approve_proposal(*t.engine, {std::to_string(id)}, nlohmann::json::object(), "operator:bob");
  CHECK(answer["decision"]["outcome"] == "applied");
  CHECK(answer["decision"]["detail"] ==
        "x's operating bounds its hard bounds [10, 400] -> [32.5, 325] (every policy's proposals "
        "are held to them)");
  const auto range = t.engine->guard().operating_range("x");
  REQUIRE(range);
  CHECK(range->min == 32.5);
  CHECK(range->max == 325);
  CHECK(range->every_policy);
  const Verdict held = t.engine->guard().vet(Proposal::set("jumpy", "x", 390.0), t.clock.wall());
  CHECK(held.reason == Reason::kPatchedBounds);
  CHECK(held.value == 325);

  // A restart keeps the patched range: it is in parameter_bounds.
  t.engine->stop();
  t.start();
  const auto again = t.engine->guard().operating_range("x");
  REQUIRE(again);
  CHECK(again->max == 325);
  CHECK(again->every_policy);
}

TEST_CASE("triage runs on its schedule, weekly, over the week before") {
  Triage t;
  // 2026-11-20 is a Friday: the first run is Sunday 2026-11-22 at 02:00.
  t.clock.set_wall(kDay0 + 2 * 24 * 3600 * kSec + 2 * 3600 * kSec - 2 * kSec);
  t.engine->tick();
  t.run(4);
  const auto rows = must(t.engine->store()->triage_reports(10));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].id == "weekly_triage@2026-11-22T02:00:00.000Z");
  CHECK(rows[0].trigger == "schedule");
  CHECK(rows[0].period_end - rows[0].period_start == 7 * 24 * 3600 * kSec);
}

TEST_CASE("triage on demand says why when it cannot run") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  auto config = parse_config("engine: { state_path: " + dir.file("s.db") +
                                 " }\npolicies: { dir: " + dir.file("policies") + " }\n",
                             "t.yaml");
  REQUIRE(config.ok());
  ManualClock clock{kDay0};
  SystemClock cpu;
  EngineOptions options;
  options.clock = &clock;
  options.cpu_clock = &cpu;
  Engine engine(config.value(), options);
  REQUIRE(engine.start());
  CHECK(engine.run_triage(3600 * kSec, "alice").error() ==
        "no triage policy is loaded (a policy with triage = true; policies/weekly_triage.lua is "
        "one)");
  try {
    run_triage_now(engine, {}, {{"since", "10m"}}, "operator:alice");
    FAIL("a 10m triage was run");
  } catch (const Refusal& r) {
    CHECK(r.status == 400);
    CHECK(r.message == "since must be a span from 1h to 90d, like \"7d\", not \"10m\"");
  }
}

TEST_CASE("triage: changes rolled back for a worse KPI make a patch away from their values") {
  Triage t;
  // Three verifications rolled x back to 100 from 300, 260 and 240, recorded as the pipeline does.
  std::vector<std::int64_t> ids;
  for (const double bad : {300.0, 260.0, 240.0}) {
    Decision d;
    d.at = t.clock.wall() - 3600 * kSec;
    d.policy = "setpoint:verify";
    d.proposal = Proposal::set("setpoint:verify", "x", 100.0, "p99 worse by 30 %");
    d.verdict.kind = VerdictKind::kAllow;
    d.verdict.current = bad;
    d.verdict.value = 100;
    d.mode = Mode::kEnforce;
    d.outcome = DecisionOutcome::kRolledBack;
    d.detail = "p99 worse by 30 %: rolled back";
    ids.push_back(must(t.engine->store()->record(d)));
  }
  const auto written = must(t.engine->run_triage(7 * 24 * 3600 * kSec, "alice"));
  const auto doc = t.report(written.at(0));
  CHECK(doc["categories"]["performance_degradation"]["count"] == 3);
  REQUIRE(doc["patches"].size() == 1);
  CHECK(doc["patches"][0]["min"] == 10);
  CHECK(doc["patches"][0]["max"] == 170);  // halfway from 100 to the nearest bad value, 240
  REQUIRE(doc["worst"].size() == 3);
  CHECK(doc["worst"][0]["kind"] == "rollback");
  const auto& record = doc["worst"][0]["decision_record"];
  REQUIRE(record.is_object());
  CHECK(record["id"] == doc["worst"][0]["decision"]);
  CHECK(record["policy"] == "setpoint:verify");
  CHECK(record["outcome"] == "rolled back");
  CHECK(record["detail"] == "p99 worse by 30 %: rolled back");
}

TEST_CASE("triage on demand: once a minute") {
  Triage t;
  CHECK(run_triage_now(*t.engine, {}, {{"since", "7d"}}, "operator:alice")["reports"].size() == 1);
  try {
    run_triage_now(*t.engine, {}, {{"since", "7d"}}, "operator:bob");
    FAIL("a second run within the minute");
  } catch (const Refusal& r) {
    CHECK(r.status == 429);
    CHECK(r.message ==
          "a triage ran 0ms ago; runs on demand are one a minute (setpoint triage shows its "
          "report)");
  }
  t.clock.advance(61 * kSec);
  CHECK(run_triage_now(*t.engine, {}, {{"since", "7d"}}, "operator:bob")["reports"].size() == 1);
}

TEST_CASE("triage on demand never runs a quarantined policy") {
  // A triage policy that fails is quarantined after 3 runs; an operator's run does not run it.
  Triage t(
      "return { name = 'weekly_triage', triage = true, evaluate = function(ctx) "
      "error('broken') end }");
  for (int i = 0; i < 3; ++i) CHECK_FALSE(t.engine->run_triage(3600 * kSec, "alice"));
  const auto benched = t.engine->run_triage(3600 * kSec, "alice");
  REQUIRE_FALSE(benched);
  CHECK(benched.error().rfind("weekly_triage is quarantined until ", 0) == 0);
}

TEST_CASE("triage: what the engine says in a report is the engine's, never the policy's") {
  Triage t(
      "return { name = 'weekly_triage', triage = true, evaluate = function(ctx)\n"
      "  ctx:report{ summary = 'forged', recent = { { id = 'FAKE', patches = 99 } },\n"
      "    id = 'FAKE', period = { from = 'never' }, patches = { { decision = 1 } },\n"
      "    worst = { { kind = 'rollback', at = 'yesterday', when = 'FORGED',\n"
      "                decision_record = { id = 1 } } } }\n"
      "end }\n");
  const auto written = must(t.engine->run_triage(3600 * kSec, "alice"));
  const auto doc = t.report(written.at(0));
  CHECK(doc["summary"] == "forged");  // the policy's own words stay
  CHECK(!doc.contains("recent"));
  CHECK(doc["id"] == written[0]);
  CHECK(doc["period"]["from"] == "2026-11-19T23:00:00.000Z");
  CHECK(doc["patches"].empty());
  REQUIRE(doc["worst"].size() == 1);
  CHECK(doc["worst"][0]["when"].is_null());
  CHECK(doc["worst"][0]["decision_record"].is_null());
}

TEST_CASE("triage in a dry run: its patches are shadows, nothing waits and nothing is kept") {
  Triage t;
  t.run(10);         // jumpy flaps x: changes made, the record a triage reads
  t.engine->stop();  // the same config, run with --dry-run
  {
    auto config = parse_config(t.config_text, "test.yaml");
    REQUIRE(config.ok());
    EngineOptions options;
    options.clock = &t.clock;
    options.cpu_clock = &t.cpu;
    options.dry_run = true;
    t.engine = std::make_unique<Engine>(config.value(), options);
    REQUIRE(t.engine->start());
  }
  t.run(10);  // and again, as shadows: those are no flaps
  const auto written = must(t.engine->run_triage(7 * 24 * 3600 * kSec, "alice"));
  const auto doc = t.report(written.at(0));
  REQUIRE(doc["patches"].size() == 1);
  CHECK(doc["patches"][0]["outcome"] == "shadow");
  CHECK(t.engine->pipeline().pending().empty());
  CHECK_FALSE(t.engine->guard().operating_range("x"));
}

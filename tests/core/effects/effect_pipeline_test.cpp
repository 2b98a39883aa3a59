#include "setpoint/effects/effect_pipeline.hpp"

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "pipeline_world.hpp"
#include "setpoint/audit/decision_log_file.hpp"
#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;
using namespace pipeline_world;

TEST_CASE("observe: nothing is touched, the shadow value carries the trajectory") {
  World w;  // policies and targets default to observe
  Decision d = w.propose(200, 0);
  CHECK(d.mode == Mode::kObserve);
  CHECK(outcome_text(d) == "shadow");
  CHECK(d.detail == "would clamp: step: checkout.limit 100 -> 200 limited to one step, 110");
  CHECK(w.actuator.calls.empty());
  CHECK(w.value() == 110);
  // The next evaluation starts from the would-be value.
  d = w.propose(200, kSec);
  CHECK(d.verdict.current == 110);
  CHECK(d.verdict.value == 120);
  REQUIRE(w.log.size() == 2);
  CHECK(w.log[1]["outcome"] == "shadow");
  CHECK(w.log[1]["mode"] == "observe");
  CHECK(w.log[1]["evidence"]["p99"] == 412);
}

TEST_CASE("advise: recorded and listed, nothing moves") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kAdvise);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  const Decision d = w.propose(105, 0);
  CHECK(d.mode == Mode::kAdvise);
  CHECK(outcome_text(d) == "advised");
  CHECK(w.actuator.calls.empty());
  CHECK(w.value() == 100);
  CHECK(must(w.store->decisions({})).size() == 1);
}

TEST_CASE("enforce: intent, actuator, result; the guard advances only on success") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  Decision d = w.propose(105, 0);
  CHECK(outcome_text(d) == "applied");
  REQUIRE(w.actuator.calls.size() == 1);
  CHECK(w.actuator.calls[0].key == "checkout.max_concurrency");
  CHECK(std::get<double>(w.actuator.calls[0].value) == 105);
  CHECK(w.actuator.calls[0].who == "aimd");
  CHECK(w.actuator.calls[0].why == "p99 high");
  CHECK(w.value() == 105);
  CHECK(must(w.store->unfinished()).empty());
  w.actuator.answer = ActuationResult::Status::kFailed;
  d = w.propose(110, kSec);
  CHECK(outcome_text(d) == "failed");
  CHECK(d.detail == "it broke");
  CHECK(w.value() == 105);  // not a change
  const auto rows = must(w.store->decisions({}));
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].outcome == "failed");
}

TEST_CASE("enforce on a parameter that rolls out: staged, never actuated; promote applies it") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  std::vector<std::int64_t> staged;
  std::string refuse;
  w.pipeline.stage("checkout.limit", [&](Decision& d, Nanos) {
    if (refuse.empty()) {
      staged.push_back(d.id);
      d.detail += "; rolled out as r1";
    }
    return refuse;
  });
  Decision d = w.propose(105, 0);
  CHECK(outcome_text(d) == "staged");
  CHECK(d.detail == "allow: ok: checkout.limit 100 -> 105; rolled out as r1");
  REQUIRE(staged == std::vector<std::int64_t>{d.id});  // told after the intent was stored
  CHECK(w.actuator.calls.empty());
  CHECK(w.value() == 100);  // the guard does not advance: the value is not the parameter's yet
  CHECK(must(w.store->decisions({}))[0].outcome == "staged");
  // A stager that refuses fails the decision with its reason.
  refuse = "a rollout of checkout.limit is in flight";
  d = w.propose(106, 60 * kSec);
  CHECK(outcome_text(d) == "failed");
  CHECK(d.detail == refuse);
  CHECK(w.actuator.calls.empty());
  // Promotion: the value to the actuator, as the policy's change, counted by the guard.
  const auto promoted = w.pipeline.promote("checkout.limit", 105, "aimd", "v1", "cycle-7",
                                           "promoted by r1: pass at look 4 of 4", 120 * kSec);
  REQUIRE(promoted);
  CHECK(outcome_text(*promoted) == "applied");
  REQUIRE(w.actuator.calls.size() == 1);
  CHECK(std::get<double>(w.actuator.calls[0].value) == 105);
  CHECK(w.value() == 105);
  CHECK(promoted->policy == "aimd");
  CHECK(promoted->proposal.reason == "promoted by r1: pass at look 4 of 4");
  CHECK(promoted->proposal.cycle == "cycle-7");  // the autopilot's change, if it was one
  CHECK_FALSE(w.pipeline.promote("nope", 1, "aimd", "v1", "", "x", 0));
}

TEST_CASE("dry-run (an observe ceiling) wins over every other mode") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  w.pipeline.set_ceiling(Mode::kObserve);
  CHECK(outcome_text(w.propose(105, 0)) == "shadow");
  CHECK(w.actuator.calls.empty());
}

TEST_CASE("blocked proposals are recorded with their reason and touch nothing") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  const Decision d = w.pipeline.submit(
      "intruder", "v1", {Proposal::set("intruder", "checkout.limit", 105.0)}, "{}", 0)[0];
  CHECK(outcome_text(d) == "blocked");
  CHECK(d.verdict.reason == Reason::kNotGranted);
  CHECK(w.actuator.calls.empty());
}

TEST_CASE("a policy touches only what it declares, whatever config grants") {
  World w;
  w.pipeline.declare("aimd", {"checkout.other"});
  const Decision d = w.propose(105, 0);
  CHECK(outcome_text(d) == "blocked");
  CHECK(d.verdict.reason == Reason::kNotDeclared);
  CHECK(
      d.detail ==
      "block: not_declared: checkout.limit is not among the params or actions the policy declares");
  w.pipeline.declare("aimd", {"checkout.limit"});
  CHECK(outcome_text(w.propose(105, kSec)) == "shadow");
}

TEST_CASE("a policy cannot speak for another") {
  World w;
  const Decision d = w.pipeline.submit(
      "intruder", "v1", {Proposal::set("aimd", "checkout.limit", 105.0)}, "{}", 0)[0];
  CHECK(d.verdict.reason == Reason::kNotGranted);
  CHECK(d.proposal.policy == "intruder");
}

TEST_CASE("propose: pending until approved (vetted again), rejected or expired") {
  PipelineOptions options;
  options.proposal_ttl = 600 * kSec;
  World w(limit_spec(), options);
  w.pipeline.set_policy_mode("aimd", Mode::kPropose);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  const Decision first = w.propose(105, 0);
  CHECK(outcome_text(first) == "pending");
  REQUIRE(w.pipeline.pending().size() == 1);
  CHECK(w.actuator.calls.empty());

  const auto approved = must(w.pipeline.approve(first.id, "operator:alice", 10 * kSec));
  REQUIRE(approved);
  CHECK(outcome_text(*approved) == "applied");
  CHECK(approved->proposal.reason == "p99 high (approved by operator:alice)");
  CHECK(w.value() == 105);
  CHECK(w.pipeline.pending().empty());
  CHECK(!must(w.pipeline.approve(first.id, "operator:alice", 11 * kSec)));

  const Decision second = w.propose(110, 20 * kSec);
  CHECK(must(w.pipeline.reject(second.id, "operator:bob", 30 * kSec)));
  CHECK(w.pipeline.pending().empty());

  const Decision third = w.propose(110, 40 * kSec);
  w.pipeline.tick(639 * kSec);
  CHECK(w.pipeline.pending().size() == 1);
  w.pipeline.tick(640 * kSec);
  CHECK(w.pipeline.pending().empty());
  CHECK(w.log.back()["outcome"] == "expired");
  CHECK(w.log.back()["id"] == third.id);

  // Approval vets again: a pause since the proposal blocks it.
  const Decision fourth = w.propose(110, 700 * kSec);
  w.guard.pause({Pause::Scope::kTarget, "checkout.limit", Direction::kBoth, 0});
  const auto late = must(w.pipeline.approve(fourth.id, "operator:alice", 701 * kSec));
  REQUIRE(late);
  CHECK(outcome_text(*late) == "blocked");
  CHECK(late->verdict.reason == Reason::kPaused);
  CHECK(w.actuator.calls.size() == 1);
}

TEST_CASE(
    "propose: one proposal waits per target; the same again is unchanged, another supersedes it") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kPropose);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  const Decision first = w.propose(105, 0);
  for (int i = 1; i <= 5; ++i) {  // asked again every second: still the one proposal
    const Decision again = w.propose(105, i * kSec);
    CHECK(outcome_text(again) == "unchanged");
    CHECK(again.detail ==
          "proposal " + std::to_string(first.id) + " for the same change is still waiting");
  }
  REQUIRE(w.pipeline.pending().size() == 1);
  const Decision other = w.propose(110, 6 * kSec);
  CHECK(outcome_text(other) == "pending");
  REQUIRE(w.pipeline.pending().size() == 1);
  CHECK(w.pipeline.pending().begin()->first == other.id);
  const auto stored = must(w.store->proposal(first.id));
  REQUIRE(stored);
  CHECK(stored->status == "superseded");
  CHECK(nlohmann::json::parse(stored->record)["detail"] ==
        "superseded by proposal " + std::to_string(other.id));
  CHECK(w.log.back()["id"] == first.id);
  CHECK(w.log.back()["outcome"] == "superseded");
  CHECK(!must(w.pipeline.approve(first.id, "operator:alice", 7 * kSec)));
}

TEST_CASE("drift: the hand-made value is taken and pinned for a while") {
  PipelineOptions options;
  options.drift_pin = 1800 * kSec;
  World w(limit_spec(), options);
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  w.actuator.held = 42.0;  // what the human wrote
  w.actuator.answer = ActuationResult::Status::kDrift;
  CHECK(outcome_text(w.propose(105, 0)) == "drift");
  CHECK(w.value() == 42);
  CHECK(must(w.store->drift_count()) == 1);
  w.actuator.answer = ActuationResult::Status::kApplied;
  const Decision pinned = w.propose(50, 60 * kSec);
  CHECK(pinned.verdict.reason == Reason::kOverridden);
  CHECK(pinned.verdict.retry_after == 1740 * kSec);
  CHECK(outcome_text(w.propose(50, 1800 * kSec)) == "applied");
}

TEST_CASE("verification: a change that made the KPI worse is rolled back, bounds kept") {
  ParameterSpec spec = limit_spec();
  spec.up.cooldown = 3600 * kSec;
  spec.down.cooldown = 3600 * kSec;
  spec.verification = Verification{"http.server{service=checkout}", "p99", 60 * kSec, 0.2, true};
  World w(spec);
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  double p99 = 200;
  w.pipeline.set_kpi_reader([&](const Verification& v, Nanos) -> std::optional<double> {
    CHECK(v.stat == "p99");
    return p99;
  });
  REQUIRE(outcome_text(w.propose(110, 0)) == "applied");
  p99 = 300;  // worse by 50 %
  w.pipeline.tick(30 * kSec);
  CHECK(w.actuator.calls.size() == 1);  // not due yet
  w.pipeline.tick(60 * kSec);
  REQUIRE(w.actuator.calls.size() == 2);
  CHECK(std::get<double>(w.actuator.calls[1].value) == 100);
  CHECK(w.value() == 100);
  CHECK(w.log.back()["policy"] == "setpoint:verify");
  CHECK(w.log.back()["outcome"] == "rolled back");
  CHECK(w.log.back()["reason"].get<std::string>().find(
            "p99 of http.server{service=checkout} went from 200 to 300") == 0);
}

TEST_CASE("verification: a KPI within the threshold keeps the change") {
  ParameterSpec spec = limit_spec();
  spec.verification = Verification{"s", "error_rate", 60 * kSec, 0.2, true};
  World w(spec);
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  double errors = 0.010;
  w.pipeline.set_kpi_reader(
      [&](const Verification&, Nanos) -> std::optional<double> { return errors; });
  REQUIRE(outcome_text(w.propose(110, 0)) == "applied");
  errors = 0.011;  // 10 % worse: within 20 %
  w.pipeline.tick(60 * kSec);
  CHECK(w.actuator.calls.size() == 1);
  CHECK(w.value() == 110);
}

namespace {

// An actuator that holds each call until the test releases it.
struct GatedActuator final : Actuator {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> started{0};
  ActuationResult apply(const Actuation&) override {
    ++started;
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return open; });
    return {ActuationResult::Status::kApplied, "done late"};
  }
  std::optional<ProposedValue> read_back(const std::string&) override { return std::nullopt; }
  void release() {
    {
      std::lock_guard lock(mutex);
      open = true;
    }
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("actuation off the engine thread: the engine never waits; results land at a tick") {
  ManualClock clock;
  ActuatorPool pool(2, clock);
  Guard guard({limit_spec()}, {}, {});
  GatedActuator gated;
  std::vector<nlohmann::json> log;
  EffectPipeline pipeline(guard, {}, nullptr, [&](const std::string& line) {
    log.push_back(nlohmann::json::parse(line));
  });
  pipeline.bind("checkout.limit", gated);
  pipeline.set_policy_mode("aimd", Mode::kEnforce);
  pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  pipeline.use_pool(pool, 10 * kSec);

  const Decision d =
      pipeline.submit("aimd", "v1", {Proposal::set("aimd", "checkout.limit", 105.0)}, "{}", 0)[0];
  CHECK(d.outcome ==
        DecisionOutcome::kIntent);  // in flight: the intent is recorded, the engine moves on
  CHECK(pipeline.in_flight() == 1);
  CHECK(log.size() == 1);
  CHECK(*guard.value("checkout.limit") == 100);
  gated.release();
  while (pipeline.in_flight() == 1) {
    pipeline.tick(kSec);  // the engine's next ticks pick the result up
    std::this_thread::yield();
  }
  CHECK(pipeline.in_flight() == 0);
  CHECK(log.back()["outcome"] == "applied");
  CHECK(log.back()["detail"] == "done late");
  CHECK(*guard.value("checkout.limit") == 105);
}

// A change's cooldown runs from its decision, not from the actuator's answer: a policy every
// 2 s with a 2 s cooldown met it a few milliseconds early at every other step.
TEST_CASE("a cooldown counts from the decision, however late the actuator answered") {
  ManualClock clock;
  ActuatorPool pool(1, clock);
  ParameterSpec spec = limit_spec();
  spec.up.cooldown = 2 * kSec;
  Guard guard({spec}, {}, {});
  GatedActuator gated;
  EffectPipeline pipeline(guard, {}, nullptr);
  pipeline.bind("checkout.limit", gated);
  pipeline.set_policy_mode("aimd", Mode::kEnforce);
  pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  pipeline.use_pool(pool, 10 * kSec);
  pipeline.submit("aimd", "v1", {Proposal::set("aimd", "checkout.limit", 105.0)}, "{}", 0);
  gated.release();
  while (pipeline.in_flight() == 1) {
    pipeline.tick(40 * kNanosPerMilli);  // the answer is picked up 40 ms after the decision
    std::this_thread::yield();
  }
  REQUIRE(*guard.value("checkout.limit") == 105);
  const Decision next = pipeline.submit(
      "aimd", "v1", {Proposal::set("aimd", "checkout.limit", 110.0)}, "{}", 2 * kSec)[0];
  CHECK(next.verdict.allowed());
}

TEST_CASE(
    "an actuation past its timeout is reported, counted as applied, and its late result dropped") {
  ManualClock clock;
  ActuatorPool pool(1, clock);
  Guard guard({limit_spec()}, {}, {});
  GatedActuator gated;
  EffectPipeline pipeline(guard, {}, nullptr);
  pipeline.bind("checkout.limit", gated);
  pipeline.set_policy_mode("aimd", Mode::kEnforce);
  pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  pipeline.use_pool(pool, 10 * kSec);
  pipeline.submit("aimd", "v1", {Proposal::set("aimd", "checkout.limit", 105.0)}, "{}", 0);
  while (gated.started == 0) std::this_thread::yield();  // its timeout runs from here
  clock.advance(10 * kSec);
  pipeline.tick(10 * kSec);
  CHECK(pipeline.in_flight() == 0);
  CHECK(pool.in_flight() == 0);
  CHECK(*guard.value("checkout.limit") == 105);  // unknown: the safe side for cooldowns
  gated.release();                               // the late answer changes nothing
  const auto late = pool.collect();
  CHECK(late.empty());
}

TEST_CASE("a named action with an automatic undo is undone when its time is up") {
  Guard guard({}, rule_actions("circuit"), {});
  FakeActuator disabler;
  FakeActuator enabler;
  std::vector<nlohmann::json> log;
  EffectPipeline pipeline(guard, {}, nullptr, [&](const std::string& line) {
    log.push_back(nlohmann::json::parse(line));
  });
  pipeline.bind("disable_rule", disabler);
  pipeline.bind("enable_rule", enabler);
  pipeline.set_policy_mode("circuit", Mode::kEnforce);
  pipeline.set_target_mode("disable_rule", Mode::kEnforce);
  const auto d = pipeline.submit(
      "circuit", "v1",
      {Proposal::act("circuit", "disable_rule", {{"rule", std::string("geo-block")}})}, "{}", 0);
  REQUIRE(outcome_text(d[0]) == "applied");
  pipeline.tick(899 * kSec);
  CHECK(enabler.calls.empty());
  pipeline.tick(900 * kSec);
  REQUIRE(enabler.calls.size() == 1);
  CHECK(std::get<std::string>(enabler.calls[0].args[0].second) == "geo-block");
  CHECK(log.back()["policy"] == "setpoint:undo");
  CHECK(log.back()["target"] == "enable_rule");
  CHECK(log.back()["outcome"] == "applied");
  pipeline.tick(2000 * kSec);
  CHECK(enabler.calls.size() == 1);  // once
}

TEST_CASE("each mode's record, byte for byte, in the decision log file") {
  TempDir dir;
  const auto file = must(DecisionLogFile::open(dir.file("decisions.jsonl")));
  Guard guard({limit_spec()}, {}, {});
  FakeActuator actuator;
  EffectPipeline pipeline(guard, {}, nullptr, file->sink());
  pipeline.bind("checkout.limit", actuator);
  const Nanos t = Nanos{1'795'168'800} * kSec;  // 2026-11-20T10:00:00Z
  const auto one = [&](double value) {
    pipeline.submit("aimd", "abc123", {Proposal::set("aimd", "checkout.limit", value, "p99=412ms")},
                    R"({"p99":412})", t);
  };
  one(200);  // observe (the default)
  pipeline.set_policy_mode("aimd", Mode::kAdvise);
  pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  one(115);
  pipeline.set_policy_mode("aimd", Mode::kPropose);
  one(116);
  pipeline.set_policy_mode("aimd", Mode::kEnforce);
  one(117);
  const std::string head = R"({"id":)";
  const std::string common =
      R"(,"at":"2026-11-20T10:00:00.000Z","policy":"aimd","policy_version":"abc123","kind":"set","target":"checkout.limit",)";
  const std::string expected =
      head + "1" + common +
      R"("proposed":200,"reason":"p99=412ms","evidence":{"p99":412},"verdict":"clamp","verdict_reason":"step","explain":"clamp: step: checkout.limit 100 -> 200 limited to one step, 110","current":100,"value":110,"mode":"observe","outcome":"shadow","detail":"would clamp: step: checkout.limit 100 -> 200 limited to one step, 110"})"
      "\n" +
      head + "2" + common +
      R"("proposed":115,"reason":"p99=412ms","evidence":{"p99":412},"verdict":"allow","verdict_reason":"ok","explain":"allow: ok: checkout.limit 110 -> 115","current":110,"value":115,"mode":"advise","outcome":"advised","detail":"allow: ok: checkout.limit 110 -> 115"})"
      "\n" +
      head + "3" + common +
      R"("proposed":116,"reason":"p99=412ms","evidence":{"p99":412},"verdict":"allow","verdict_reason":"ok","explain":"allow: ok: checkout.limit 110 -> 116","current":110,"value":116,"mode":"propose","outcome":"pending","detail":"waiting for approval"})"
      "\n" +
      head + "4" + common +
      R"("proposed":117,"reason":"p99=412ms","evidence":{"p99":412},"verdict":"allow","verdict_reason":"ok","explain":"allow: ok: checkout.limit 110 -> 117","current":110,"value":117,"mode":"enforce","outcome":"","detail":""})"
      "\n" +
      head + "4" + common +
      R"("proposed":117,"reason":"p99=412ms","evidence":{"p99":412},"verdict":"allow","verdict_reason":"ok","explain":"allow: ok: checkout.limit 110 -> 117","current":110,"value":117,"mode":"enforce","outcome":"applied","detail":"ok"})"
      "\n";
  CHECK(setpoint::testing::read_file(dir.file("decisions.jsonl")) == expected);
}

TEST_CASE(
    "an idle pipeline's ticks write nothing: its recovery document is saved only when it changes") {
  World w;
  const auto updated_at = [&] {
    sqlite3* db = nullptr;
    sqlite3_open(w.dir.file("audit.db").c_str(), &db);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT updated_at FROM state WHERE key = 'pipeline'", -1, &s, nullptr);
    const Nanos at = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return at;
  };
  w.pipeline.tick(1 * kSec);
  CHECK(updated_at() == 1 * kSec);
  for (int i = 2; i <= 50; ++i) w.pipeline.tick(i * kSec);
  CHECK(updated_at() == 1 * kSec);  // nothing changed: nothing written
}

TEST_CASE(
    "a store that refuses the intent: nothing is touched, the decision says why, the failure "
    "is counted") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  setpoint::testing::drop_tables(w.dir.file("audit.db"), {"decisions"});
  const Decision d = w.propose(110, kSec);
  CHECK(outcome_text(d) == "failed");
  CHECK(d.id == 0);
  CHECK(d.detail ==
        "not done: its intent could not be stored, so nothing was touched (no such table: "
        "decisions)");
  CHECK(w.actuator.calls.empty());
  CHECK(w.value() == 100);     // the guard did not advance
  REQUIRE(w.log.size() == 1);  // published all the same, once, as failed
  CHECK(w.log[0]["outcome"] == "failed");
  CHECK(w.pipeline.store_failures() == 1);
  CHECK(w.pipeline.last_store_failure() == "no such table: decisions");
  // A rollback, an operator's or a verification's, is an effect too: no intent, no touch.
  const auto back = w.pipeline.roll_back("checkout.limit", 90, "ops", "override", "by hand", kSec);
  REQUIRE(back);
  CHECK(outcome_text(*back) == "failed");
  CHECK(w.actuator.calls.empty());
  CHECK(w.pipeline.store_failures() == 2);
}

TEST_CASE("a store that refuses a proposal: it is not left waiting where no one can find it") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kPropose);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  setpoint::testing::drop_tables(w.dir.file("audit.db"), {"decisions"});
  const Decision d = w.propose(110, kSec);
  CHECK(outcome_text(d) == "failed");
  CHECK(d.detail == "not proposed: it could not be stored (no such table: decisions)");
  CHECK(w.pipeline.pending().empty());
  CHECK(w.pipeline.store_failures() == 1);
}

TEST_CASE("a store that refuses a record with no effect: published with why, and counted") {
  World w;  // observe
  setpoint::testing::drop_tables(w.dir.file("audit.db"), {"decisions"});
  const Decision d = w.propose(110, kSec);
  CHECK(outcome_text(d) == "shadow");
  CHECK(d.detail.ends_with("; not stored: no such table: decisions"));
  REQUIRE(w.log.size() == 1);
  CHECK(w.pipeline.store_failures() == 1);
  CHECK(w.value() == 110);  // the shadow trajectory still moves: observe touches nothing
}

TEST_CASE("an undo whose intent the store refuses is tried again, not dropped for good") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("audit.db")));
  Guard guard({}, rule_actions("circuit"), {});
  FakeActuator disabler;
  FakeActuator enabler;
  EffectPipeline pipeline(guard, {}, store.get());
  pipeline.bind("disable_rule", disabler);
  pipeline.bind("enable_rule", enabler);
  pipeline.set_policy_mode("circuit", Mode::kEnforce);
  pipeline.set_target_mode("disable_rule", Mode::kEnforce);
  const auto d = pipeline.submit(
      "circuit", "v1",
      {Proposal::act("circuit", "disable_rule", {{"rule", std::string("geo-block")}})}, "{}", 0);
  REQUIRE(outcome_text(d[0]) == "applied");
  setpoint::testing::rename_table(dir.file("audit.db"), "decisions", "away");
  pipeline.tick(900 * kSec);
  CHECK(enabler.calls.empty());  // not touched without its intent
  CHECK(pipeline.store_failures() == 1);
  setpoint::testing::rename_table(dir.file("audit.db"), "away", "decisions");
  pipeline.tick(900 * kSec + kSec / 2);
  CHECK(enabler.calls.empty());  // tried again a second later, not at every tick
  pipeline.tick(901 * kSec);
  REQUIRE(enabler.calls.size() == 1);
  pipeline.tick(2000 * kSec);
  CHECK(enabler.calls.size() == 1);  // once
}

TEST_CASE("a verification rollback whose intent the store refuses is tried again") {
  ParameterSpec spec = limit_spec();
  spec.verification = Verification{"http.server{service=checkout}", "p99", 60 * kSec, 0.2, true};
  World w(spec);
  w.pipeline.set_policy_mode("aimd", Mode::kEnforce);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  double p99 = 200;
  w.pipeline.set_kpi_reader([&](const Verification&, Nanos) { return std::optional(p99); });
  REQUIRE(outcome_text(w.propose(110, 0)) == "applied");
  p99 = 300;
  setpoint::testing::rename_table(w.dir.file("audit.db"), "decisions", "away");
  w.pipeline.tick(60 * kSec);
  CHECK(w.actuator.calls.size() == 1);  // the rollback was not attempted
  setpoint::testing::rename_table(w.dir.file("audit.db"), "away", "decisions");
  w.pipeline.tick(61 * kSec);
  REQUIRE(w.actuator.calls.size() == 2);
  CHECK(std::get<double>(w.actuator.calls[1].value) == 100);
  CHECK(w.log.back()["outcome"] == "rolled back");
}

TEST_CASE("an approval or rejection the store refuses is not taken: the proposal still waits") {
  World w;
  w.pipeline.set_policy_mode("aimd", Mode::kPropose);
  w.pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
  const Decision first = w.propose(105, 0);
  REQUIRE(outcome_text(first) == "pending");
  setpoint::testing::rename_table(w.dir.file("audit.db"), "proposals", "away");
  const auto approved = w.pipeline.approve(first.id, "operator:alice", kSec);
  CHECK(approved.error() ==
        "the approval cannot be stored, so it is not taken: no such table: proposals");
  CHECK(w.actuator.calls.empty());
  CHECK(w.pipeline.pending().count(first.id) == 1);
  CHECK(w.pipeline.reject(first.id, "operator:bob", kSec).error() ==
        "the rejection cannot be stored, so it is not taken: no such table: proposals");
  CHECK(w.pipeline.pending().count(first.id) == 1);
  setpoint::testing::rename_table(w.dir.file("audit.db"), "away", "proposals");
  const auto again = must(w.pipeline.approve(first.id, "operator:alice", 2 * kSec));
  REQUIRE(again);
  CHECK(outcome_text(*again) == "applied");
  CHECK(must(w.store->proposal(first.id))->status == "approved");
}

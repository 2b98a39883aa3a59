// The pipeline across a restart (pipeline_recovery.cpp): intents settled by reading the target
// back, pending proposals, verifications and undos restored, applied values kept.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pipeline_world.hpp"
#include "setpoint/effects/effect_pipeline.hpp"
#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;
using namespace pipeline_world;

TEST_CASE("restart: an intent without a result is settled by reading the target back") {
  TempDir dir;
  const std::string db = dir.file("audit.db");
  std::int64_t landed_id = 0;
  {
    auto store = AuditStore::open(db).value();
    Guard guard({limit_spec()}, {}, {});
    // Two changes whose process died after the intent: one landed, one did not.
    for (double value : {105.0, 108.0}) {
      Decision d;
      d.at = 10 * kSec;
      d.policy = "aimd";
      d.proposal = Proposal::set("aimd", "checkout.limit", value);
      d.verdict = guard.vet(d.proposal, d.at);
      d.mode = Mode::kEnforce;
      must(store->record_intent(d));
      if (value == 105.0) landed_id = d.id;
    }
  }
  ParameterSpec spec = limit_spec();
  spec.up.cooldown = 600 * kSec;
  auto store = AuditStore::open(db).value();
  Guard guard({spec}, {}, {});
  FakeActuator actuator;
  EffectPipeline pipeline(guard, {}, store.get());
  pipeline.bind("checkout.limit", actuator);
  actuator.held = 105.0;  // the file says the first change landed
  CHECK(must(pipeline.reconcile(20 * kSec)) == 2);
  CHECK(must(store->unfinished()).empty());
  const auto rows = must(store->decisions({}));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == landed_id);
  CHECK(rows[0].outcome == "applied");
  CHECK(rows[1].outcome == "failed");
  CHECK(actuator.calls.empty());  // nothing re-applied
  CHECK(*guard.value("checkout.limit") == 105);
  // The landed change started its cooldown at the time it was made.
  CHECK(guard.vet(Proposal::set("aimd", "checkout.limit", 110.0), 30 * kSec).reason ==
        Reason::kCooldown);
}

TEST_CASE(
    "restart: pending proposals, verifications and undos come back; applied values are kept") {
  TempDir dir;
  const std::string db = dir.file("audit.db");
  ParameterSpec spec = limit_spec();
  spec.verification = Verification{"s", "p99", 60 * kSec, 0.2, true};
  const auto actions = rule_actions("aimd");
  double p99 = 100;
  const auto kpi = [&](const Verification&, Nanos) -> std::optional<double> { return p99; };
  // The same wiring before and after the restart, as the same config would give.
  const auto wire = [&](EffectPipeline& pipeline, FakeActuator& limit, FakeActuator& rules) {
    pipeline.bind("checkout.limit", limit);
    pipeline.bind("disable_rule", rules);
    pipeline.bind("enable_rule", rules);
    pipeline.set_kpi_reader(kpi);
    pipeline.set_policy_mode("aimd", Mode::kEnforce);
    pipeline.set_target_mode("checkout.limit", Mode::kEnforce);
    pipeline.set_target_mode("disable_rule", Mode::kEnforce);
  };
  std::int64_t proposal_id = 0;
  {
    auto store = AuditStore::open(db).value();
    Guard guard({spec}, actions, {});
    FakeActuator limit, rules;
    EffectPipeline pipeline(guard, {}, store.get());
    wire(pipeline, limit, rules);
    REQUIRE(outcome_text(pipeline.submit(
                "aimd", "v1", {Proposal::set("aimd", "checkout.limit", 110.0)}, "{}", 0)[0]) ==
            "applied");
    pipeline.submit("aimd", "v1",
                    {Proposal::act("aimd", "disable_rule", {{"rule", std::string("geo-block")}})},
                    "{}", 0);
    pipeline.set_target_mode("checkout.limit", Mode::kPropose);
    proposal_id = pipeline
                      .submit("aimd", "v1", {Proposal::set("aimd", "checkout.limit", 115.0)}, "{}",
                              10 * kSec)[0]
                      .id;
    REQUIRE(store->save_state("guard", guard.save_state(), 10 * kSec));
    const auto params = must(store->parameters());
    REQUIRE(params.size() == 1);
    CHECK(params[0].name == "checkout.limit");
    CHECK(params[0].value == "110");
    CHECK(params[0].source == "aimd");
  }
  auto store = AuditStore::open(db).value();
  Guard guard({spec}, actions, {});
  REQUIRE(guard.load_state(*must(store->load_state("guard"))));
  FakeActuator limit, rules;
  EffectPipeline pipeline(guard, {}, store.get());
  wire(pipeline, limit, rules);
  REQUIRE(pipeline.restore());
  REQUIRE(pipeline.pending().count(proposal_id) == 1);
  p99 = 200;  // worse: the restored verification rolls the change back
  pipeline.tick(60 * kSec);
  REQUIRE(limit.calls.size() == 1);
  CHECK(std::get<double>(limit.calls[0].value) == 100);
  pipeline.tick(900 * kSec);  // the restored undo runs
  REQUIRE(rules.calls.size() == 1);
  CHECK(rules.calls[0].target == "enable_rule");
  // The proposal made before the restart can still be approved, and is vetted as of now.
  const auto approved = must(pipeline.approve(proposal_id, "operator:alice", 905 * kSec));
  REQUIRE(approved);
  CHECK(outcome_text(*approved) == "applied");
  CHECK(approved->verdict.value == 110);  // one step from the rolled-back 100
  CHECK(must(store->proposals("pending")).empty());
  CHECK(must(store->proposals("approved")).size() == 1);
}

TEST_CASE("a restore that cannot read the store saves nothing over it, and works once it can") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("audit.db")));
  Guard guard({}, pipeline_world::rule_actions("circuit"), {});
  pipeline_world::FakeActuator disabler;
  pipeline_world::FakeActuator enabler;
  {
    EffectPipeline before(guard, {}, store.get());
    before.bind("disable_rule", disabler);
    before.set_policy_mode("circuit", Mode::kEnforce);
    before.set_target_mode("disable_rule", Mode::kEnforce);
    before.submit("circuit", "v1",
                  {Proposal::act("circuit", "disable_rule", {{"rule", std::string("geo-block")}})},
                  "{}", 0);
    before.tick(kSec);  // saves the undo
  }
  const std::string saved = *must(store->load_state("pipeline"));
  REQUIRE(saved.find("disable_rule") != std::string::npos);
  // A reload builds a new pipeline while the store cannot be read.
  setpoint::testing::rename_table(dir.file("audit.db"), "proposals", "away");
  EffectPipeline after(guard, {}, store.get());
  after.bind("enable_rule", enabler);
  CHECK_FALSE(after.restore());
  CHECK_FALSE(after.restored());
  after.tick(2 * kSec);
  CHECK(*must(store->load_state("pipeline")) == saved);  // not written over with nothing
  setpoint::testing::rename_table(dir.file("audit.db"), "away", "proposals");
  REQUIRE(after.restore());
  after.tick(900 * kSec);
  CHECK(enabler.calls.size() == 1);  // the undo came back and ran
}

TEST_CASE("restart: damaged records and state of every type are skipped, never thrown") {
  TempDir dir;
  const std::string db = dir.file("audit.db");
  {
    auto store = AuditStore::open(db).value();
    Guard guard({limit_spec()}, {}, {});
    Decision d;
    d.at = 10 * kSec;
    d.policy = "aimd";
    d.proposal = Proposal::set("aimd", "checkout.limit", 105.0);
    d.verdict = guard.vet(d.proposal, d.at);
    d.mode = Mode::kEnforce;
    must(store->record_intent(d));
    // Types a hand edit could leave: numbers where strings were, strings where numbers were.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "UPDATE decisions SET record = '{\"id\":\"x\",\"policy\":5,\"target\":"
                         "\"checkout.limit\",\"cycle\":7,\"expected\":{\"change\":\"big\"},"
                         "\"confidence\":\"high\",\"kind\":3,\"args\":[1],\"current\":\"a\"}'",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
    must(store->save_state("pipeline",
                           R"({"checks":[5,{"record":"x","due":"soon"},{"before":1}],)"
                           R"("undos":{"a":1}})",
                           0));
  }
  auto store = AuditStore::open(db).value();
  Guard guard({limit_spec()}, {}, {});
  FakeActuator actuator;
  EffectPipeline pipeline(guard, {}, store.get());
  pipeline.bind("checkout.limit", actuator);
  CHECK_NOTHROW(must(pipeline.reconcile(20 * kSec)));
  CHECK_NOTHROW(must(pipeline.restore()));
  CHECK(pipeline.restored());
}

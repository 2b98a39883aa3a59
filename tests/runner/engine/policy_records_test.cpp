// The store's records as policies read them (policy_records.cpp), against a real store: each
// kind's fields, the filters, newest first, and incidents gathered from every record.
#include "engine/policy_records.hpp"

#include <catch2/catch.hpp>

#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using bindings::Record;
using bindings::RecordKind;
using bindings::RecordQuery;
using bindings::RecordValue;
using setpoint::testing::TempDir;

namespace {

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kDay0 = 1'795'132'800LL * kSec;  // 2026-11-20T00:00:00Z

Decision decision(const std::string& target, double value, VerdictKind kind,
                  DecisionOutcome outcome, Nanos at) {
  Decision d;
  d.at = at;
  d.policy = "aimd";
  d.policy_version = "v1";
  d.proposal = Proposal::set(d.policy, target, value, "p99 high");
  d.verdict.kind = kind;
  d.verdict.reason = kind == VerdictKind::kBlock ? Reason::kCooldown : Reason::kOk;
  d.verdict.current = 100;
  d.verdict.proposed = d.verdict.value = value;
  d.mode = Mode::kEnforce;
  d.outcome = outcome;
  d.detail = outcome == DecisionOutcome::kRolledBack ? "verify: p99 worse" : "";
  return d;
}

const RecordValue& field(const Record& r, const std::string& name) {
  for (const auto& [key, value] : r.fields) {
    if (key == name) return value;
  }
  FAIL("no field " << name);
  static const RecordValue none;
  return none;
}
std::string text(const Record& r, const std::string& name) {
  const auto* s = std::get_if<std::string>(&field(r, name));
  return s ? *s : "<not a string>";
}
double number(const Record& r, const std::string& name) {
  const auto* d = std::get_if<double>(&field(r, name));
  return d ? *d : -1;
}

}  // namespace

TEST_CASE("policy records: decisions with their fields, filtered, newest first") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  for (int i = 0; i < 3; ++i) {
    Decision d = decision(
        "checkout.limit", 110 + i, i == 1 ? VerdictKind::kBlock : VerdictKind::kAllow,
        i == 1 ? DecisionOutcome::kBlocked : DecisionOutcome::kApplied, kDay0 + i * 60 * kSec);
    REQUIRE(must(store->record(d)) > 0);
  }
  RecordQuery q;
  q.since = kDay0;
  auto all = must(read_records(*store, q));
  REQUIRE(all.size() == 3);
  CHECK(number(all[0], "value") == 112);  // newest first
  CHECK(number(all[0], "at") == 1'795'132'800 + 120);
  CHECK(text(all[0], "policy") == "aimd");
  CHECK(text(all[0], "parameter") == "checkout.limit");
  CHECK(text(all[0], "outcome") == "applied");
  CHECK(text(all[0], "reason") == "p99 high");
  CHECK(std::holds_alternative<std::monostate>(field(all[0], "cycle")));
  q.verdict = "block";
  const auto blocked = must(read_records(*store, q));
  REQUIRE(blocked.size() == 1);
  CHECK(text(blocked[0], "verdict_reason") == "cooldown");
  q.verdict.clear();
  q.since = kDay0 + 61 * kSec;
  CHECK(must(read_records(*store, q)).size() == 1);  // since
  q.since = kDay0;
  q.limit = 2;
  CHECK(must(read_records(*store, q)).size() == 2);  // limit
}

TEST_CASE("policy records: incidents gather rollbacks, failed actuations, canaries and drift") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  Decision rolled = decision("checkout.limit", 120, VerdictKind::kAllow,
                             DecisionOutcome::kRolledBack, kDay0 + 10 * kSec);
  Decision failed = decision("checkout.timeout_ms", 300, VerdictKind::kAllow,
                             DecisionOutcome::kFailed, kDay0 + 20 * kSec);
  Decision fine = decision("checkout.limit", 130, VerdictKind::kAllow, DecisionOutcome::kApplied,
                           kDay0 + 30 * kSec);
  for (Decision* d : {&rolled, &failed, &fine}) REQUIRE(must(store->record(*d)) > 0);
  RolloutRow canary;
  canary.id = "checkout.timeout_ms@2026-11-20T00:00:40.000Z";
  canary.parameter = "checkout.timeout_ms";
  canary.status = "rolled_back";
  canary.started_at = kDay0 + 40 * kSec;
  canary.completed_at = kDay0 + 50 * kSec;
  canary.reason = "fail at look 1 of 4: p99 652 ms vs 556 ms";
  REQUIRE(store->save_rollout(canary));
  DriftEventRow drift;
  drift.at = kDay0 + 60 * kSec;
  drift.kind = "rollback_rate_high";
  drift.target = "autopilot";
  drift.detail = "3 of 5 changes rolled back";
  REQUIRE(store->record_drift_event(drift));
  RecordQuery q;
  q.kind = RecordKind::kIncidents;
  q.since = kDay0;
  const auto incidents = must(read_records(*store, q));
  REQUIRE(incidents.size() == 4);  // the applied change is no incident
  CHECK(text(incidents[0], "kind") == "drift");
  CHECK(text(incidents[0], "detail") == "3 of 5 changes rolled back");
  CHECK(text(incidents[1], "kind") == "canary_rollback");
  CHECK(text(incidents[1], "ref") == canary.id);
  CHECK(number(incidents[1], "at") == 1'795'132'800 + 50);
  CHECK(text(incidents[2], "kind") == "actuation_failed");
  CHECK(text(incidents[2], "target") == "checkout.timeout_ms");
  CHECK(text(incidents[3], "kind") == "rollback");
  CHECK(text(incidents[3], "detail") == "verify: p99 worse");
  q.limit = 2;
  CHECK(must(read_records(*store, q)).size() == 2);
  // The other kinds read their own rows.
  q.limit = 100;
  q.kind = RecordKind::kRollouts;
  const auto rollouts = must(read_records(*store, q));
  REQUIRE(rollouts.size() == 1);
  CHECK(text(rollouts[0], "status") == "rolled_back");
  CHECK(number(rollouts[0], "step") == 1);
  q.kind = RecordKind::kDriftEvents;
  const auto drifts = must(read_records(*store, q));
  REQUIRE(drifts.size() == 1);
  CHECK(text(drifts[0], "kind") == "rollback_rate_high");
  CHECK(std::holds_alternative<std::monostate>(field(drifts[0], "resolved_at")));
  q.kind = RecordKind::kCycles;
  CHECK(must(read_records(*store, q)).empty());
}

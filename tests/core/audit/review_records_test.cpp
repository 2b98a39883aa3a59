// The dry-run review's reading of the store: would-have-been decisions grouped by policy,
// target, mode, outcome and the guard's reason, with their steps; and operators' marks.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "setpoint/audit/audit_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

namespace {

constexpr Nanos kDay = 86400 * kNanosPerSecond;
constexpr Nanos kStart = 1'795'168'800LL * kNanosPerSecond;  // the fortnight's first moment

Decision decision(const std::string& policy, const std::string& target, double current,
                  double value, Mode mode, DecisionOutcome outcome, Nanos at) {
  Decision d;
  d.at = at;
  d.policy = policy;
  d.policy_version = "v1";
  d.proposal = Proposal::set(policy, target, value, "why");
  d.verdict.kind = outcome == DecisionOutcome::kBlocked ? VerdictKind::kBlock : VerdictKind::kAllow;
  d.verdict.reason = outcome == DecisionOutcome::kBlocked ? Reason::kCooldown : Reason::kOk;
  d.verdict.current = current;
  d.verdict.proposed = value;
  d.verdict.value = outcome == DecisionOutcome::kBlocked ? current : value;
  d.mode = mode;
  d.outcome = outcome;
  return d;
}

DecisionMark mark_of(std::int64_t decision, const std::string& note, const std::string& by,
                     Nanos at) {
  DecisionMark m;
  m.decision = decision;
  m.note = note;
  m.by = by;
  m.at = at;
  return m;
}

}  // namespace

TEST_CASE("review groups: a seeded fortnight, by policy, target, mode, outcome and reason") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  using enum DecisionOutcome;
  std::vector<std::int64_t> shadows;
  // aimd in observe, one a day for 14 days: up by 10 from 100 on even days, down by 25 on odd
  // ones; and a cooldown block every other day.
  for (int day = 0; day < 14; ++day) {
    const Nanos at = kStart + day * kDay + 3600 * kNanosPerSecond;
    Decision d = decision("aimd", "limit", 100, day % 2 ? 75 : 110, Mode::kObserve, kShadow, at);
    shadows.push_back(must(store->record(d)));
    if (day % 2 == 0) {
      Decision b = decision("aimd", "limit", 100, 150, Mode::kObserve, kBlocked, at + 1);
      must(store->record(b));
    }
  }
  // shed in advise: 3 advised, on a parameter at 0 (no relative step).
  for (int i = 0; i < 3; ++i) {
    Decision d = decision("shed", "shed_pct", 0, 5 * (i + 1), Mode::kAdvise, kAdvised,
                          kStart + (i + 2) * kDay);
    must(store->record(d));
  }
  // A bool's flip: counted, without a step.
  Decision flip;
  flip.at = kStart + 5 * kDay;
  flip.policy = "shed";
  flip.policy_version = "v1";
  flip.proposal = Proposal::set("shed", "degraded", true, "errors");
  flip.verdict.kind = VerdictKind::kAllow;
  flip.verdict.current = 0;
  flip.verdict.proposed = flip.verdict.value = 1;
  flip.mode = Mode::kObserve;
  flip.outcome = kShadow;
  must(store->record(flip));
  // Not reviewed: enforce's applied change, propose's pending one, and a shadow before the
  // fortnight.
  Decision applied = decision("aimd", "limit", 100, 110, Mode::kEnforce, kApplied, kStart + kDay);
  must(store->record(applied));
  Decision pending = decision("aimd", "limit", 100, 120, Mode::kPropose, kPending, kStart + kDay);
  must(store->record(pending));
  Decision early = decision("aimd", "limit", 100, 110, Mode::kObserve, kShadow, kStart - 1);
  must(store->record(early));
  // Two of aimd's would-have-been decisions marked; one mark replaced, one lifted.
  must(store->mark_decision(mark_of(shadows[1], "was a deploy", "alice", kStart)));
  must(store->mark_decision(mark_of(shadows[3], "", "bob", kStart)));
  must(store->mark_decision(mark_of(shadows[3], "a deploy too", "carol", kStart + 1)));
  must(store->mark_decision(mark_of(shadows[5], "", "bob", kStart)));
  must(store->unmark_decision(shadows[5]));
  const auto mark = must(store->decision_mark(shadows[3]));
  REQUIRE(mark);
  CHECK(mark->by == "carol");
  CHECK(mark->note == "a deploy too");
  CHECK(!must(store->decision_mark(shadows[5])));

  const auto groups = must(store->review_groups(kStart, kStart + 14 * kDay));
  REQUIRE(groups.size() == 4);
  const ReviewGroup& blocked = groups[0];  // aimd, limit, observe, blocked, cooldown
  CHECK(blocked.policy == "aimd");
  CHECK(blocked.outcome == "blocked");
  CHECK(blocked.reason == "cooldown");
  CHECK(blocked.count == 7);
  CHECK(blocked.up == 7);  // what was proposed: 150 from 100
  CHECK(blocked.step_max == 50);
  const ReviewGroup& shadow = groups[1];
  CHECK(shadow.outcome == "shadow");
  CHECK(shadow.mode == "observe");
  CHECK(shadow.reason.empty());
  CHECK(shadow.count == 14);
  CHECK(shadow.numeric == 14);
  CHECK(shadow.up == 7);
  CHECK(shadow.down == 7);
  CHECK(shadow.step_sum == 7 * 10 + 7 * 25);
  CHECK(shadow.step_max == 25);
  CHECK(shadow.relative_sum == Approx(7 * 0.10 + 7 * 0.25));
  CHECK(shadow.relative_count == 14);
  CHECK(shadow.marked == 2);
  CHECK(shadow.first == kStart + 3600 * kNanosPerSecond);
  CHECK(shadow.last == kStart + 13 * kDay + 3600 * kNanosPerSecond);
  const ReviewGroup& bool_flip = groups[2];  // shed, degraded
  CHECK(bool_flip.target == "degraded");
  CHECK(bool_flip.count == 1);
  CHECK(bool_flip.numeric == 0);
  CHECK(bool_flip.step_max == 0);
  const ReviewGroup& advised = groups[3];
  CHECK(advised.target == "shed_pct");
  CHECK(advised.mode == "advise");
  CHECK(advised.outcome == "advised");
  CHECK(advised.count == 3);
  CHECK(advised.step_sum == 5 + 10 + 15);
  CHECK(advised.relative_count == 0);  // from 0: no relative step
  // The marks with their notes, newest decision first, with the decision's policy and target.
  const auto marks = must(store->decision_marks(kStart, kStart + 14 * kDay, 10));
  REQUIRE(marks.size() == 2);
  CHECK(marks[0].decision == shadows[3]);
  CHECK(marks[0].by == "carol");
  CHECK(marks[0].policy == "aimd");
  CHECK(marks[0].target == "limit");
  CHECK(marks[1].note == "was a deploy");
  CHECK(must(store->decision_marks(kStart, kStart + 14 * kDay, 1)).size() == 1);
  CHECK(must(store->unreadable_decisions(kStart, kStart + 14 * kDay)) == 0);
  // A shorter period reads fewer.
  CHECK(must(store->review_groups(kStart + 7 * kDay, kStart + 14 * kDay))[1].count == 7);
}

TEST_CASE(
    "review groups: a damaged record is counted as unreadable; text and huge numbers have no "
    "step") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  using enum DecisionOutcome;
  Decision a = decision("aimd", "limit", 100, 110, Mode::kObserve, kShadow, kStart + 10);
  Decision b = decision("aimd", "limit", 100, 120, Mode::kObserve, kShadow, kStart + 20);
  Decision c = decision("aimd", "limit", 100, 130, Mode::kObserve, kShadow, kStart + 30);
  const auto ia = must(store->record(a)), ib = must(store->record(b)), ic = must(store->record(c));
  store.reset();
  {  // A store is outside input: rows written by something else, or damaged.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.file("s.db").c_str(), &db) == SQLITE_OK);
    const std::string sql =
        "UPDATE decisions SET record = 'this is not json' WHERE id = " + std::to_string(ia) +
        ";UPDATE decisions SET record = json_set(record, '$.value', 'abc') WHERE id = " +
        std::to_string(ib) +
        ";UPDATE decisions SET record = json_set(record, '$.current', 1e305)"
        " WHERE id = " +
        std::to_string(ic) + ";";
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  store = must(AuditStore::open(dir.file("s.db")));
  CHECK(must(store->unreadable_decisions(kStart, kStart + kDay)) == 1);
  const auto groups = must(store->review_groups(kStart, kStart + kDay));
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].count == 2);    // the two that are JSON
  CHECK(groups[0].numeric == 0);  // a text value, a current past 1e300: no step
  CHECK(groups[0].up == 0);
  CHECK(groups[0].step_max == 0);
}

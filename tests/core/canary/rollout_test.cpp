// The rollout state machine on a manual clock: steps, promotion, rollback, holding for a
// human, operators' hands, and a save and restore in the middle of a step.
#include "setpoint/canary/rollout.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;
using namespace setpoint::canary;

namespace {

constexpr Nanos kMinute = 60 * kNanosPerSecond;

RolloutPlan plan(bool hold = false) {
  RolloutPlan p;
  p.steps = {5, 25, 100};
  p.step_duration = 3 * kMinute;
  p.interval = kMinute;
  p.hold_when_inconclusive = hold;
  Kpi errors;
  errors.series = "http{service=checkout}";
  REQUIRE(set_stat(errors, "error_rate").ok());
  errors.critical = true;
  p.judge.kpis = {errors};
  REQUIRE(p.check().ok());
  return p;
}

Cohort served(std::uint64_t n, std::uint64_t failures) {
  Cohort c;
  c.count = n;
  c.failures = failures;
  return c;
}

// Cumulative data after `looks` looks of `per_look` canary requests at `rate` errors.
std::vector<std::pair<Cohort, Cohort>> after(int looks, std::uint64_t per_look, double rate) {
  const auto n = static_cast<std::uint64_t>(looks) * per_look;
  return {{served(n, static_cast<std::uint64_t>(rate * n)), served(10 * n, n / 10)}};
}

}  // namespace

TEST_CASE("rollout: a plan says what is wrong with it") {
  RolloutPlan p = plan();
  CHECK(p.judge.planned_looks == 6);  // two judged steps of three looks
  CHECK(p.looks_per_step() == 3);
  p.steps = {25, 5};
  CHECK(p.check().error() == "steps must rise: 5 after 25");
  p.steps = {100};
  CHECK(p.check().error() == "steps: a step below 100 is needed to judge the canary");
  p.steps = {5, 150};
  CHECK(p.check().error() == "steps: each is a percent of traffic above 0, at most 100");
  p.steps = {5};
  p.interval = 4 * kMinute;
  CHECK(p.check().error() == "interval must be positive and at most step_duration");
  p.interval = kMinute;
  p.judge.kpis.clear();
  CHECK(p.check().error() == "kpis: at least one KPI");
}

TEST_CASE("rollout: a healthy canary goes 5 % → 25 % → promoted, one look a minute") {
  const RolloutPlan p = plan();
  const Judge judge(p.judge);
  auto [r, first] = start_rollout(p, "checkout.timeout_ms", 800, 600, 41, 0);
  CHECK(r.id == "checkout.timeout_ms@1970-01-01T00:00:00.000Z");
  CHECK(first.kind == RolloutMove::Kind::kWeight);
  CHECK(first.weight == 5);
  CHECK(r.next_look_at == kMinute);
  Look look;
  std::vector<RolloutMove::Kind> moves;
  for (int i = 1; i <= 6; ++i) {
    moves.push_back(look_at(r, p, judge, after(i, 1000, 0.01), i * kMinute, look).kind);
  }
  using K = RolloutMove::Kind;
  CHECK(moves == std::vector<K>{K::kNone, K::kNone, K::kWeight, K::kNone, K::kNone, K::kPromote});
  CHECK(r.status == RolloutStatus::kPromoted);
  CHECK(r.ended_at == 6 * kMinute);
  CHECK(r.ended_by == "judge");
  CHECK(r.weight(p) == 0);
  CHECK(look.look == 6);
  CHECK(look.planned == 6);
  CHECK(r.reason.rfind("pass at look 6 of 6, the end of the step: error_rate 1 % vs 1 %", 0) == 0);
  // An ended rollout is not moved again.
  CHECK(look_at(r, p, judge, after(7, 1000, 0.01), 7 * kMinute, look).kind == K::kNone);
  CHECK(abort_rollout(r, "alice", 7 * kMinute).kind == K::kNone);
}

TEST_CASE("rollout: a canary five times as faulty is rolled back at the first look") {
  const RolloutPlan p = plan();
  const Judge judge(p.judge);
  auto [r, first] = start_rollout(p, "checkout.timeout_ms", 800, 600, 41, 0);
  Look look;
  const RolloutMove move = look_at(r, p, judge, after(1, 1000, 0.05), kMinute, look);
  CHECK(move.kind == RolloutMove::Kind::kRollBack);
  CHECK(r.status == RolloutStatus::kRolledBack);
  CHECK(r.step == 0);
  CHECK(r.reason ==
        "fail at look 1 of 6: error_rate 5 % vs 1 %, +400.0 %, canary worse with p < 0.001 at "
        "look 1 of 6");
}

TEST_CASE("rollout: inconclusive rolls back, or holds for a human who promotes or aborts") {
  const auto no_traffic = std::vector<std::pair<Cohort, Cohort>>{{served(0, 0), served(0, 0)}};
  Look look;
  {
    const RolloutPlan p = plan();
    const Judge judge(p.judge);
    auto [r, _] = start_rollout(p, "x", 1, 2, 1, 0);
    for (int i = 1; i <= 2; ++i) look_at(r, p, judge, no_traffic, i * kMinute, look);
    CHECK(r.status == RolloutStatus::kRunning);
    CHECK(look_at(r, p, judge, no_traffic, 3 * kMinute, look).kind == RolloutMove::Kind::kRollBack);
    CHECK(look.verdict == LookVerdict::kInconclusive);
    CHECK(r.status == RolloutStatus::kRolledBack);
  }
  const RolloutPlan p = plan(true);
  const Judge judge(p.judge);
  auto [held, _] = start_rollout(p, "x", 1, 2, 1, 0);
  for (int i = 1; i <= 3; ++i) look_at(held, p, judge, no_traffic, i * kMinute, look);
  CHECK(held.status == RolloutStatus::kHeld);
  CHECK(held.weight(p) == 5);  // held where it was
  Rollout promoted = held, aborted = held;
  CHECK(promote_rollout(promoted, "alice", 4 * kMinute).kind == RolloutMove::Kind::kPromote);
  CHECK(promoted.reason == "promoted by alice");
  CHECK(promoted.ended_by == "alice");
  CHECK(abort_rollout(aborted, "bob", 4 * kMinute).kind == RolloutMove::Kind::kRollBack);
  CHECK(aborted.status == RolloutStatus::kRolledBack);
  CHECK(aborted.reason == "aborted by bob");
}

TEST_CASE("rollout: a failed canary actuator rolls back with its error") {
  const RolloutPlan p = plan();
  auto [r, _] = start_rollout(p, "x", 1, 2, 1, 0);
  CHECK(actuation_failed(r, "exec exited 3", 5).kind == RolloutMove::Kind::kRollBack);
  CHECK(r.reason == "the canary's actuator failed: exec exited 3");
  CHECK(r.ended_by == "engine");
}

TEST_CASE("rollout: saved mid-step and restored, it resumes the same step and judge") {
  const RolloutPlan p = plan();
  const Judge judge(p.judge);
  auto [r, _] = start_rollout(p, "checkout.timeout_ms", 800, 600, 41, 0);
  Look look;
  for (int i = 1; i <= 4; ++i) look_at(r, p, judge, after(i, 1000, 0.01), i * kMinute, look);
  REQUIRE(r.step == 1);
  REQUIRE(r.step_looks == 1);
  Rollout back;
  back.id = r.id;
  REQUIRE(back.restore_state(r.state_json(), 1).ok());
  CHECK(back.step == 1);
  CHECK(back.step_looks == 1);
  CHECK(back.step_started_at == 3 * kMinute);
  CHECK(back.next_look_at == 5 * kMinute);
  CHECK(back.judge.looks == 4);
  CHECK(back.judge.kpis[0].canary_count == 4000);
  REQUIRE(back.data.size() == 1);
  CHECK(back.data[0].first.count == 4000);
  CHECK(back.data[0].second.failures == 400);
  // Damaged state is refused, never guessed.
  Rollout damaged;
  damaged.id = "x@t";
  CHECK(damaged.restore_state("{\"step\":-1}", 1).error() ==
        "rollout x@t: its saved state is damaged (step, looks or times)");
  CHECK_FALSE(damaged.restore_state("not json", 1));
  CHECK(damaged.restore_state(r.state_json(), 2).error() ==
        "rollout x@t: the judge state has 1 KPIs, the rollout 2");
}

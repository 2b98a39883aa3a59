#include "setpoint/guard/guard.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace setpoint;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

ParameterSpec concurrency() {
  ParameterSpec p;
  p.name = "checkout.max_concurrency";
  p.type = ParamType::kInt;
  p.initial = 100;
  p.min = 10;
  p.max = 500;
  p.policies = {"aimd", "other"};
  return p;
}

Guard guard_with(ParameterSpec p, GuardLimits limits = {}) {
  return Guard({std::move(p)}, {}, limits);
}

Proposal set(double value, std::string policy = "aimd") {
  return Proposal::set(std::move(policy), "checkout.max_concurrency", value);
}

// Vets and, if allowed, applies, as the engine does when the actuator succeeds.
Verdict apply(Guard& g, const Proposal& p, Nanos now) {
  const Verdict v = g.vet(p, now);
  g.applied(p, v, now);
  return v;
}

}  // namespace

TEST_CASE("unknown targets and targets not granted are blocked") {
  Guard g = guard_with(concurrency());
  CHECK(g.vet(Proposal::set("aimd", "nope", 1.0), 0).reason == Reason::kUnknownTarget);
  CHECK(g.vet(set(120, "intruder"), 0).reason == Reason::kNotGranted);
  CHECK(g.vet(Proposal::act("aimd", "nope", {}), 0).reason == Reason::kUnknownTarget);
}

TEST_CASE("wrong types, NaN and infinities are blocked; ints round") {
  Guard g = guard_with(concurrency());
  CHECK(g.vet(Proposal::set("aimd", "checkout.max_concurrency", true), 0).reason ==
        Reason::kWrongType);
  CHECK(g.vet(Proposal::set("aimd", "checkout.max_concurrency", std::string("9")), 0).reason ==
        Reason::kWrongType);
  CHECK(g.vet(set(std::nan("")), 0).reason == Reason::kNotFinite);
  CHECK(g.vet(set(INFINITY), 0).reason == Reason::kNotFinite);
  const Verdict v = g.vet(set(120.4), 0);
  CHECK(v.kind == VerdictKind::kAllow);
  CHECK(v.value == 120);
}

TEST_CASE("bools and enums take their own types") {
  ParameterSpec flag;
  flag.name = "degraded";
  flag.type = ParamType::kBool;
  flag.policies = {"p"};
  ParameterSpec mode;
  mode.name = "routing";
  mode.type = ParamType::kEnum;
  mode.choices = {"primary", "secondary"};
  mode.policies = {"p"};
  Guard g({flag, mode}, {}, {});
  CHECK(g.vet(Proposal::set("p", "degraded", true), 0).kind == VerdictKind::kAllow);
  CHECK(g.vet(Proposal::set("p", "degraded", 1.0), 0).reason == Reason::kWrongType);
  const Verdict v = g.vet(Proposal::set("p", "routing", std::string("secondary")), 0);
  CHECK(v.kind == VerdictKind::kAllow);
  CHECK(v.value == 1);
  CHECK(g.vet(Proposal::set("p", "routing", std::string("tertiary")), 0).reason ==
        Reason::kWrongType);
  CHECK(g.vet(Proposal::set("p", "routing", std::string("primary")), 0).reason ==
        Reason::kNoChange);
}

TEST_CASE("hard bounds clamp and report saturation") {
  Guard g = guard_with(concurrency());
  Verdict v = g.vet(set(900), 0);
  CHECK(v.kind == VerdictKind::kClamp);
  CHECK(v.reason == Reason::kBounds);
  CHECK(v.value == 500);
  CHECK(v.saturated == 1);
  g.applied(set(900), v, 0);
  // Held at the bound and still pushing: blocked, and still saturated.
  v = g.vet(set(600), kSec);
  CHECK(v.kind == VerdictKind::kBlock);
  CHECK(v.reason == Reason::kBounds);
  CHECK(v.saturated == 1);
  v = g.vet(set(1), kSec);
  CHECK(v.value == 10);
  CHECK(v.saturated == -1);
  CHECK(explain(v, "c") == "clamp: bounds: c 500 -> 1 held at the bound 10 (saturated)");
}

TEST_CASE("step limits clamp each direction separately, absolute or percent") {
  ParameterSpec p = concurrency();
  p.up.max_step = StepLimit{StepLimit::Unit::kAbsolute, 10};
  p.down.max_step = StepLimit{StepLimit::Unit::kPercent, 25};
  Guard g = guard_with(p);
  Verdict v = g.vet(set(200), 0);
  CHECK(v.reason == Reason::kStep);
  CHECK(v.value == 110);
  v = g.vet(set(10), 0);
  CHECK(v.reason == Reason::kStep);
  CHECK(v.value == 75);
  CHECK(g.vet(set(105), 0).kind == VerdictKind::kAllow);
}

TEST_CASE("bounds and step together: both clamps are recorded") {
  ParameterSpec p = concurrency();
  p.initial = 495;
  p.up.max_step = StepLimit{StepLimit::Unit::kAbsolute, 3};
  Guard g = guard_with(p);
  const Verdict v = g.vet(set(1000), 0);
  CHECK(v.value == 498);
  CHECK(v.reason == Reason::kStep);
  CHECK(v.clamped_by(Reason::kBounds));
  CHECK(v.clamped_by(Reason::kStep));
}

TEST_CASE("cooldowns per direction, with the time left") {
  ParameterSpec p = concurrency();
  p.up.cooldown = 30 * kSec;
  p.down.cooldown = 60 * kSec;
  Guard g = guard_with(p);
  REQUIRE(apply(g, set(120), 0).allowed());
  Verdict v = g.vet(set(130), 10 * kSec);
  CHECK(v.reason == Reason::kCooldown);
  CHECK(v.retry_after == 20 * kSec);
  CHECK(g.vet(set(130), 30 * kSec).allowed());
  v = g.vet(set(90), 30 * kSec);
  CHECK(v.reason == Reason::kCooldown);
  CHECK(v.retry_after == 30 * kSec);
  CHECK(explain(v, "c") == "block: cooldown: c 120 -> 90: within the 60s cooldown (lifts in 30s)");
  CHECK(g.vet(set(90), 60 * kSec).allowed());
}

TEST_CASE("a cooldown with a step clamp: the clamped change starts the cooldown") {
  ParameterSpec p = concurrency();
  p.up.max_step = StepLimit{StepLimit::Unit::kAbsolute, 5};
  p.up.cooldown = 10 * kSec;
  Guard g = guard_with(p);
  Verdict v = apply(g, set(200), 0);
  CHECK(v.kind == VerdictKind::kClamp);
  CHECK(*g.value("checkout.max_concurrency") == 105);
  CHECK(g.vet(set(200), 5 * kSec).reason == Reason::kCooldown);
  v = apply(g, set(200), 10 * kSec);
  CHECK(v.value == 110);
}

TEST_CASE("vetting without applying advances nothing; a failed actuation is not a change") {
  ParameterSpec p = concurrency();
  p.up.cooldown = 30 * kSec;
  Guard g = guard_with(p, {1, 0});
  for (int i = 0; i < 5; ++i) CHECK(g.vet(set(120), i * kSec).allowed());
  CHECK(*g.value("checkout.max_concurrency") == 100);
}

TEST_CASE("changes inside the deadband, or none at all, are no-ops") {
  ParameterSpec p = concurrency();
  p.up.deadband = 5;
  Guard g = guard_with(p);
  Verdict v = g.vet(set(103), 0);
  CHECK(v.reason == Reason::kDeadband);
  CHECK(v.kind == VerdictKind::kBlock);
  CHECK(g.vet(set(105), 0).allowed());
  CHECK(g.vet(set(97), 0).allowed());  // no deadband downwards
  CHECK(g.vet(set(100), 0).reason == Reason::kNoChange);
}

TEST_CASE("a settle group blocks related parameters for a while, not the one that changed") {
  ParameterSpec a = concurrency();
  a.settle_group = "checkout";
  a.settle_time = 60 * kSec;
  ParameterSpec b = a;
  b.name = "checkout.timeout_ms";
  Guard g({a, b}, {}, {});
  REQUIRE(apply(g, set(120), 0).allowed());
  Verdict v = g.vet(Proposal::set("aimd", "checkout.timeout_ms", 200.0), 20 * kSec);
  CHECK(v.reason == Reason::kSettling);
  CHECK(v.retry_after == 40 * kSec);
  CHECK(g.vet(set(130), 20 * kSec).allowed());
  CHECK(g.vet(Proposal::set("aimd", "checkout.timeout_ms", 200.0), 60 * kSec).allowed());
}

TEST_CASE("sustained: m of the last n evaluations must agree on the direction") {
  ParameterSpec p = concurrency();
  p.sustained_m = 3;
  p.sustained_n = 4;
  Guard g = guard_with(p);
  Verdict v = g.vet(set(120), 0);
  CHECK(v.reason == Reason::kNotSustained);
  CHECK(v.agree == 1);
  CHECK(v.of == 4);
  CHECK(g.vet(set(90), 1 * kSec).reason == Reason::kNotSustained);   // down: 1 of 4
  CHECK(g.vet(set(120), 2 * kSec).reason == Reason::kNotSustained);  // up: 2 of 4
  v = g.vet(set(125), 3 * kSec);                                     // up: 3 of 4
  CHECK(v.allowed());
  CHECK(explain(g.vet(set(90), 4 * kSec), "c") ==
        "block: not_sustained: c 100 -> 90: only 2 of the last 4 evaluations agree");
}

TEST_CASE("a single spike never acts under a sustained requirement") {
  ParameterSpec p = concurrency();
  p.sustained_m = 3;
  p.sustained_n = 5;
  Guard g = guard_with(p);
  int allowed = 0;
  for (int i = 0; i < 50; ++i) {
    const double value = i == 25 ? 10 : 100;  // one tick of panic, otherwise steady
    allowed += apply(g, set(value), i * kSec).allowed();
  }
  CHECK(allowed == 0);
}

TEST_CASE("actions-per-hour caps: per policy, and global across policies") {
  ParameterSpec p = concurrency();
  Guard g = guard_with(p, {2, 3});
  CHECK(apply(g, set(110, "aimd"), 0).allowed());
  CHECK(apply(g, set(120, "aimd"), 1 * kSec).allowed());
  Verdict v = g.vet(set(130, "aimd"), 2 * kSec);
  CHECK(v.reason == Reason::kPolicyCap);
  CHECK(v.retry_after == 3598 * kSec);
  CHECK(apply(g, set(130, "other"), 3 * kSec).allowed());
  v = g.vet(set(140, "other"), 4 * kSec);
  CHECK(v.reason == Reason::kGlobalCap);
  CHECK(v.retry_after == 3600 * kSec - 4 * kSec);
  // An hour after the first change, one slot frees up.
  CHECK(g.vet(set(140, "other"), 3600 * kSec).allowed());
}

TEST_CASE("pauses: global, per policy, per parameter, per direction; until a time") {
  Guard g = guard_with(concurrency());
  g.pause({Pause::Scope::kTarget, "checkout.max_concurrency", Direction::kUp, 0});
  CHECK(g.vet(set(120), 0).reason == Reason::kPaused);
  CHECK(g.vet(set(90), 0).allowed());
  CHECK(g.resume(Pause::Scope::kTarget, "checkout.max_concurrency", Direction::kUp) == 1);
  CHECK(g.resume(Pause::Scope::kTarget, "checkout.max_concurrency", Direction::kUp) == 0);
  g.pause({Pause::Scope::kPolicy, "aimd", Direction::kBoth, 100 * kSec});
  Verdict v = g.vet(set(120), 40 * kSec);
  CHECK(v.reason == Reason::kPaused);
  CHECK(v.retry_after == 60 * kSec);
  CHECK(g.vet(set(120, "other"), 40 * kSec).allowed());
  CHECK(g.vet(set(120), 100 * kSec).allowed());
  g.pause({Pause::Scope::kGlobal, "", Direction::kBoth, 0});
  CHECK(g.vet(set(120, "other"), 200 * kSec).reason == Reason::kPaused);
}

TEST_CASE("an operator override pins the value until it expires") {
  Guard g = guard_with(concurrency());
  REQUIRE(g.set_override("checkout.max_concurrency", 50, 600 * kSec));
  CHECK(*g.value("checkout.max_concurrency") == 50);
  Verdict v = g.vet(set(120), 100 * kSec);
  CHECK(v.reason == Reason::kOverridden);
  CHECK(v.retry_after == 500 * kSec);
  CHECK(explain(v, "c") == "block: overridden: c is pinned at 50 by an operator (lifts in 8m20s)");
  v = g.vet(set(120), 600 * kSec);
  CHECK(v.allowed());
  CHECK(v.current == 50);
  CHECK_FALSE(g.set_override("nope", 1, 1));
}

TEST_CASE("rollback bypasses the cooldown but never the bounds") {
  ParameterSpec p = concurrency();
  p.down.cooldown = 3600 * kSec;
  p.up.cooldown = 3600 * kSec;
  Guard g = guard_with(p);
  REQUIRE(apply(g, set(200), 0).allowed());
  Verdict v = g.vet_rollback("checkout.max_concurrency", 100);
  CHECK(v.allowed());
  g.rolled_back("checkout.max_concurrency", v.value, kSec);
  CHECK(*g.value("checkout.max_concurrency") == 100);
  v = g.vet_rollback("checkout.max_concurrency", 5);
  CHECK(v.value == 10);
  CHECK(v.reason == Reason::kBounds);
  // The rollback counts as a change: the policy cannot push straight back.
  CHECK(g.vet(set(200), 2 * kSec).reason == Reason::kCooldown);
}

TEST_CASE("the same proposals at the same times give the same verdicts") {
  ParameterSpec p = concurrency();
  p.up.max_step = StepLimit{StepLimit::Unit::kPercent, 10};
  p.down.cooldown = 20 * kSec;
  p.sustained_m = 2;
  p.sustained_n = 3;
  Guard a = guard_with(p, {5, 8});
  Guard b = guard_with(p, {5, 8});
  for (int i = 0; i < 200; ++i) {
    const double value = 100 + 80 * std::sin(i * 0.3);
    const Verdict va = apply(a, set(value), i * 5 * kSec);
    const Verdict vb = apply(b, set(value), i * 5 * kSec);
    REQUIRE(va.kind == vb.kind);
    REQUIRE(va.reason == vb.reason);
    REQUIRE(va.value == vb.value);
  }
  CHECK(*a.value("checkout.max_concurrency") == *b.value("checkout.max_concurrency"));
}

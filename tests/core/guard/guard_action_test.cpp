#include <catch2/catch.hpp>

#include "setpoint/guard/guard.hpp"

using namespace setpoint;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

ActionSpec disable_rule() {
  ActionSpec a;
  a.name = "disable_rule";
  ActionArg rule;
  rule.name = "rule";
  rule.allowed = {"fraud-velocity", "geo-block"};
  ActionArg minutes;
  minutes.name = "minutes";
  minutes.type = ActionArg::Type::kInt;
  minutes.min = 1;
  minutes.max = 60;
  minutes.required = false;
  a.args = {rule, minutes};
  a.cooldown_key = "rule";
  a.cooldown = 900 * kSec;
  a.max_per_hour = 3;
  a.policies = {"circuit"};
  return a;
}

Proposal act(std::string rule, std::string policy = "circuit") {
  return Proposal::act(std::move(policy), "disable_rule", {{"rule", std::move(rule)}});
}

Verdict apply(Guard& g, const Proposal& p, Nanos now) {
  const Verdict v = g.vet(p, now);
  g.applied(p, v, now);
  return v;
}

}  // namespace

TEST_CASE("named action arguments are checked against the schema") {
  Guard g({}, {disable_rule()}, {});
  CHECK(g.vet(act("fraud-velocity"), 0).kind == VerdictKind::kAllow);
  // Free text never passes: only the allow-listed values.
  CHECK(g.vet(act("fraud-velocity; rm -rf /"), 0).reason == Reason::kBadArgument);
  CHECK(g.vet(Proposal::act("circuit", "disable_rule", {}), 0).reason == Reason::kBadArgument);
  CHECK(g.vet(Proposal::act("circuit", "disable_rule", {{"rule", 5.0}}), 0).reason ==
        Reason::kBadArgument);
  CHECK(g.vet(Proposal::act("circuit", "disable_rule",
                            {{"rule", std::string("geo-block")}, {"extra", 1.0}}),
              0)
            .reason == Reason::kBadArgument);
  CHECK(g.vet(Proposal::act("circuit", "disable_rule",
                            {{"rule", std::string("geo-block")}, {"minutes", 61.0}}),
              0)
            .reason == Reason::kBadArgument);
  CHECK(g.vet(Proposal::act("circuit", "disable_rule",
                            {{"rule", std::string("geo-block")}, {"minutes", 1.5}}),
              0)
            .reason == Reason::kBadArgument);
  CHECK(g.vet(Proposal::act("circuit", "disable_rule",
                            {{"rule", std::string("geo-block")}, {"minutes", 15.0}}),
              0)
            .allowed());
  CHECK(g.vet(act("geo-block", "other"), 0).reason == Reason::kNotGranted);
}

TEST_CASE("a named action's cooldown applies per value of its key") {
  Guard g({}, {disable_rule()}, {});
  REQUIRE(apply(g, act("fraud-velocity"), 0).allowed());
  const Verdict v = g.vet(act("fraud-velocity"), 60 * kSec);
  CHECK(v.reason == Reason::kCooldown);
  CHECK(v.retry_after == 840 * kSec);
  CHECK(g.vet(act("geo-block"), 60 * kSec).allowed());
  CHECK(g.vet(act("fraud-velocity"), 900 * kSec).allowed());
}

TEST_CASE("a named action's own per-hour cap") {
  ActionSpec a = disable_rule();
  a.cooldown = 0;
  a.max_per_hour = 2;
  Guard g({}, {a}, {});
  CHECK(apply(g, act("geo-block"), 0).allowed());
  CHECK(apply(g, act("fraud-velocity"), kSec).allowed());
  const Verdict v = g.vet(act("geo-block"), 2 * kSec);
  CHECK(v.reason == Reason::kActionCap);
  CHECK(explain(v, "disable_rule") ==
        "block: action_cap: disable_rule ran 2 times in the last hour (lifts in 59m58s)");
}

TEST_CASE("actions and parameter changes share the global cap") {
  ParameterSpec p;
  p.name = "limit";
  p.min = 0;
  p.max = 100;
  p.initial = 50;
  p.policies = {"circuit"};
  ActionSpec a = disable_rule();
  a.cooldown = 0;
  Guard g({p}, {a}, {0, 2});
  CHECK(apply(g, act("geo-block"), 0).allowed());
  const Proposal set = Proposal::set("circuit", "limit", 60.0);
  CHECK(apply(g, set, kSec).allowed());
  CHECK(g.vet(act("fraud-velocity"), 2 * kSec).reason == Reason::kGlobalCap);
  CHECK(g.vet(Proposal::set("circuit", "limit", 70.0), 2 * kSec).reason == Reason::kGlobalCap);
}

TEST_CASE("a paused action is blocked") {
  Guard g({}, {disable_rule()}, {});
  g.pause({Pause::Scope::kTarget, "disable_rule", Direction::kBoth, 0});
  CHECK(g.vet(act("geo-block"), 0).reason == Reason::kPaused);
}

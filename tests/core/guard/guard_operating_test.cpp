// The guard's operating bounds: where an autopilot cycle's proposals may go, inside the hard
// bounds. Proposals without a cycle see the hard bounds only.
#include <catch2/catch.hpp>

#include "setpoint/guard/guard.hpp"

using namespace setpoint;

namespace {

ParameterSpec limit(ParamType type = ParamType::kInt) {
  ParameterSpec p;
  p.name = "checkout.limit";
  p.type = type;
  p.initial = 100;
  p.min = 10;
  p.max = 500;
  p.policies = {"nightly"};
  return p;
}

Proposal from_cycle(double value) {
  Proposal p = Proposal::set("nightly", "checkout.limit", value);
  p.cycle = "nightly@2026-12-01T03:00:00Z";
  return p;
}

}  // namespace

TEST_CASE("operating bounds: a cycle's proposal is clamped to them, saturated at the side") {
  Guard g({limit()}, {}, {});
  g.set_operating_range("checkout.limit", OperatingRange{80, 120.5, false});
  const Verdict up = g.vet(from_cycle(300), 0);
  CHECK(up.kind == VerdictKind::kClamp);
  CHECK(up.reason == Reason::kOperatingBounds);
  CHECK(up.value == 120);  // an int parameter: whole units inside the range
  CHECK(up.saturated == 1);
  CHECK(explain(up, "checkout.limit") ==
        "clamp: operating_bounds: checkout.limit 100 -> 300 held at the operating bound 120 "
        "(the autopilot's sliding bounds)");
  const Verdict down = g.vet(from_cycle(5), 0);
  CHECK(down.reason == Reason::kOperatingBounds);
  CHECK(down.value == 80);
  CHECK(down.saturated == -1);
  CHECK(down.clamped_by(Reason::kBounds));  // the hard bound first, then the operating one
  CHECK(g.vet(from_cycle(110), 0).kind == VerdictKind::kAllow);
}

TEST_CASE("operating bounds: proposals from outside a cycle see only the hard bounds") {
  Guard g({limit()}, {}, {});
  g.set_operating_range("checkout.limit", OperatingRange{80, 120, false});
  const Verdict v = g.vet(Proposal::set("nightly", "checkout.limit", 300.0), 0);
  CHECK(v.kind == VerdictKind::kAllow);
  CHECK(v.value == 300);
}

TEST_CASE("operating bounds: a frozen parameter blocks a cycle's proposals") {
  Guard g({limit(ParamType::kFloat)}, {}, {});
  g.set_operating_range("checkout.limit", OperatingRange{80, 120, true});
  const Verdict v = g.vet(from_cycle(110), 0);
  CHECK(v.kind == VerdictKind::kBlock);
  CHECK(v.reason == Reason::kFrozen);
  CHECK(name(v.reason) == "frozen");
  g.set_operating_range("checkout.limit", std::nullopt);
  CHECK(g.vet(from_cycle(110), 0).kind == VerdictKind::kAllow);
  CHECK_FALSE(g.operating_range("checkout.limit"));
  CHECK_FALSE(g.operating_range("nope"));
}

TEST_CASE("rollout in flight: every other change is blocked until it ends, across a restart") {
  Guard g({limit()}, {}, {});
  CHECK(g.rollout_of("checkout.limit").empty());
  REQUIRE(g.set_rollout("checkout.limit", "checkout.limit@2026-12-01T10:00:00.000Z"));
  CHECK_FALSE(g.set_rollout("nope", "x"));
  const Verdict blocked = g.vet(Proposal::set("nightly", "checkout.limit", 120.0), 0);
  CHECK(blocked.kind == VerdictKind::kBlock);
  CHECK(blocked.reason == Reason::kRolloutInFlight);
  CHECK(explain(blocked, "checkout.limit") ==
        "block: rollout_in_flight: checkout.limit has a rollout in flight: no other change until "
        "it is promoted or rolled back (see setpoint rollouts)");
  CHECK(g.vet(from_cycle(120), 0).reason == Reason::kRolloutInFlight);  // cycles too
  // Saved with the guard's state: a restarted engine blocks it still.
  Guard restarted({limit()}, {}, {});
  REQUIRE(restarted.load_state(g.save_state()).ok());
  CHECK(restarted.rollout_of("checkout.limit") == "checkout.limit@2026-12-01T10:00:00.000Z");
  REQUIRE(restarted.set_rollout("checkout.limit", ""));
  CHECK(restarted.vet(Proposal::set("nightly", "checkout.limit", 120.0), 0).allowed());
}

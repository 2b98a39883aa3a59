// A shadow version's guard: its own parameters' trajectory, the world's everything else
// (shadow_trajectory.cpp).
#include <catch2/catch.hpp>

#include "setpoint/guard/guard.hpp"

using namespace setpoint;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

ParameterSpec spec(const std::string& name) {
  ParameterSpec p;
  p.name = name;
  p.type = ParamType::kInt;
  p.initial = 100;
  p.min = 1;
  p.max = 1000;
  p.up.cooldown = 60 * kSec;
  p.policies = {"aimd", "other"};
  return p;
}

Guard make() { return Guard({spec("checkout.limit"), spec("search.limit")}, {}, {}); }

}  // namespace

TEST_CASE("a shadow's guard keeps its own moves and takes the world's pins, pauses and others'") {
  Guard live = make();
  Guard shadow = live;
  // The shadow would have raised its parameter to 150 at 10 s; the live version did nothing.
  const Proposal up = Proposal::set("aimd", "checkout.limit", 150.0);
  shadow.applied(up, shadow.vet(up, 10 * kSec), 10 * kSec);
  // Meanwhile another policy moved another parameter, and an operator paused the policy.
  const Proposal other = Proposal::set("other", "search.limit", 120.0);
  live.applied(other, live.vet(other, 12 * kSec), 12 * kSec);
  live.pause({Pause::Scope::kPolicy, "aimd", Direction::kBoth, 0});

  shadow.follow(live, {"checkout.limit"});
  CHECK(*shadow.value("checkout.limit") == 150);  // its own trajectory
  CHECK(*shadow.last_change("checkout.limit") == 10 * kSec);
  CHECK(*shadow.value("search.limit") == 120);  // the world's
  CHECK(shadow.pauses().size() == 1);
  CHECK(shadow.vet(Proposal::set("aimd", "checkout.limit", 200.0), 20 * kSec).reason ==
        Reason::kPaused);
  // The live guard is untouched by the shadow.
  CHECK(*live.value("checkout.limit") == 100);

  live.resume(Pause::Scope::kPolicy, "aimd");
  shadow.follow(live, {"checkout.limit"});
  // Its own cooldown runs from its own would-be change, not the live one's (none).
  const Verdict soon = shadow.vet(Proposal::set("aimd", "checkout.limit", 200.0), 30 * kSec);
  CHECK(soon.reason == Reason::kCooldown);
  CHECK(soon.retry_after == 40 * kSec);
  CHECK(live.vet(Proposal::set("aimd", "checkout.limit", 200.0), 30 * kSec).allowed());
}

TEST_CASE("an operator's pin on a shadow's own parameter reaches the shadow") {
  Guard live = make();
  Guard shadow = live;
  const Proposal up = Proposal::set("aimd", "checkout.limit", 150.0);
  shadow.applied(up, shadow.vet(up, 10 * kSec), 10 * kSec);
  REQUIRE(live.set_override("checkout.limit", 80, 3600 * kSec));
  shadow.follow(live, {"checkout.limit", "no.such.parameter"});
  CHECK(shadow.override_of("checkout.limit")->value == 80);
  CHECK(shadow.vet(Proposal::set("aimd", "checkout.limit", 200.0), 100 * kSec).reason ==
        Reason::kOverridden);
  // Its own moves are still its own once the pin is lifted.
  REQUIRE(live.clear_override("checkout.limit"));
  shadow.follow(live, {"checkout.limit"});
  CHECK_FALSE(shadow.override_of("checkout.limit"));
}

#include "setpoint/autopilot/sliding_bounds.hpp"

#include <catch2/catch.hpp>

#include "support/must.hpp"

using namespace setpoint;
using namespace setpoint::autopilot;

namespace {

// Operating [80, 120] inside hard [10, 400]: a width of 40.
OperatingBounds start(Nanos now = 0) { return must(OperatingBounds::make(80, 120, 10, 400, now)); }

}  // namespace

TEST_CASE("sliding bounds: operating bounds must lie inside the hard bounds") {
  CHECK(OperatingBounds::make(5, 120, 10, 400, 0).error() ==
        "operating bounds [5.000000, 120.000000] are outside the hard bounds [10.000000, "
        "400.000000]");
  CHECK_FALSE(OperatingBounds::make(80, 500, 10, 400, 0));
  CHECK_FALSE(OperatingBounds::make(120, 80, 10, 400, 0));
  CHECK_FALSE(OperatingBounds::make(std::nan(""), 80, 10, 400, 0));
  const OperatingBounds b = start();
  CHECK(b.min() == 80);
  CHECK(b.max() == 120);
  REQUIRE(b.history().size() == 1);
  CHECK(b.history()[0].kind == "start");
}

TEST_CASE("sliding bounds: a stable week widens each touched side by expand_per_week") {
  BoundsRules rules;
  rules.anti_windup = false;
  OperatingBounds b = start();
  CHECK_FALSE(b.widen_if_stable(rules, 7 * kDay - 1));  // a nanosecond short of a week
  const auto widened = b.widen_if_stable(rules, 7 * kDay);
  REQUIRE(widened);
  CHECK(widened->kind == "widen");
  CHECK(b.min() == Approx(78));  // 5 % of a width of 40 on each side
  CHECK(b.max() == Approx(122));
  CHECK_FALSE(b.widen_if_stable(rules, 8 * kDay));  // stability counts from the widening
  REQUIRE(b.widen_if_stable(rules, 14 * kDay));
  CHECK(b.min() == Approx(78 - 0.05 * 44));
  CHECK(b.max() == Approx(122 + 0.05 * 44));
}

TEST_CASE("sliding bounds: widening is scaled to stable_days and clipped to the hard bounds") {
  BoundsRules rules;
  rules.anti_windup = false;
  rules.stable_days = 14;
  rules.expand_per_week = 0.5;  // a week's half a width: 40 per side over two weeks
  OperatingBounds b = must(OperatingBounds::make(20, 60, 10, 400, 0));
  REQUIRE(b.widen_if_stable(rules, 14 * kDay));
  CHECK(b.min() == 10);  // 20 - 40, held at the hard bound
  CHECK(b.max() == 100);
}

TEST_CASE("sliding bounds: anti-windup widens only the sides a proposal reached") {
  BoundsRules rules;  // anti_windup on
  OperatingBounds b = start();
  b.wanted(100);  // the middle touches neither side
  const auto none = b.widen_if_stable(rules, 7 * kDay);
  REQUIRE(none);
  CHECK(none->kind == "anti_windup");
  CHECK(b.min() == 80);
  CHECK(b.max() == 120);
  b.wanted(150);  // clamped at the top: the upper side was needed
  const auto up = b.widen_if_stable(rules, 14 * kDay);
  REQUIRE(up);
  CHECK(up->kind == "widen");
  CHECK(b.min() == 80);
  CHECK(b.max() == Approx(122));
  CHECK(up->why == "stable for 7 days; the lower side was not touched (anti-windup)");
  CHECK_FALSE(b.touched_max());  // each widening asks for the side to be needed again
}

TEST_CASE("sliding bounds: a rollback narrows the range around the current value") {
  BoundsRules rules;
  OperatingBounds b = start();
  const auto made = b.rolled_back(rules, 90, 3 * kDay);
  REQUIRE(made.size() == 1);
  CHECK(made[0].kind == "contract");
  CHECK(b.min() == Approx(90 - 10 * 0.75));
  CHECK(b.max() == Approx(90 + 30 * 0.75));
  CHECK(b.contains(90));
  CHECK(b.since() == 3 * kDay);  // no widening for another stable period
  CHECK_FALSE(b.widen_if_stable(rules, 9 * kDay));
}

TEST_CASE("sliding bounds: rollback_threshold rollbacks within the window freeze it") {
  BoundsRules rules;  // 3 within 14 days
  OperatingBounds b = start();
  b.rolled_back(rules, 100, 1 * kDay);
  b.rolled_back(rules, 100, 16 * kDay);  // the first is out of the window by now
  CHECK(b.rolled_back(rules, 100, 17 * kDay).size() == 1);
  CHECK_FALSE(b.frozen());
  const auto made = b.rolled_back(rules, 100, 18 * kDay);
  REQUIRE(made.size() == 2);
  CHECK(made[1].kind == "freeze");
  CHECK(b.frozen());
  CHECK(b.rollbacks(18 * kDay, rules) == 3);
  CHECK_FALSE(b.widen_if_stable(rules, 60 * kDay));  // frozen: never widened
  const auto thawed = b.unfreeze(61 * kDay, "alice");
  REQUIRE(thawed);
  CHECK(thawed->why == "unfrozen by alice");
  CHECK_FALSE(b.frozen());
  CHECK_FALSE(b.unfreeze(62 * kDay, "alice"));
}

TEST_CASE("sliding bounds: the state reads back as it was written") {
  BoundsRules rules;
  OperatingBounds b = start();
  b.wanted(79);
  b.rolled_back(rules, 100, kDay);
  const OperatingBounds back = must(OperatingBounds::from_json(b.to_json(), 10, 400));
  CHECK(back.min() == b.min());
  CHECK(back.max() == b.max());
  CHECK(back.since() == b.since());
  CHECK(back.rollbacks(kDay, rules) == 1);
  CHECK(back.history().size() == b.history().size());
  CHECK(back.to_json() == b.to_json());
}

TEST_CASE("sliding bounds: a saved range outside the hard bounds in config is clipped") {
  const OperatingBounds b = start();
  const OperatingBounds back = must(OperatingBounds::from_json(b.to_json(), 90, 110));
  CHECK(back.min() == 90);
  CHECK(back.max() == 110);
  CHECK(back.history().back().kind == "clip");
}

TEST_CASE("sliding bounds: a damaged saved state is an error, not a crash") {
  CHECK_FALSE(OperatingBounds::from_json("", 0, 1));
  CHECK_FALSE(OperatingBounds::from_json("{\"min\": \"x\"}", 0, 1));
  CHECK(OperatingBounds::from_json("[1,2]", 0, 1).error() ==
        "operating bounds: not the document this build writes");
  std::string saved = start().to_json();  // a since near the end of Nanos: refused, no overflow
  saved.replace(saved.find("\"since\":0"), 9, "\"since\":9223372036854775000");
  CHECK_FALSE(OperatingBounds::from_json(saved, 10, 400));
}

TEST_CASE("sliding bounds: narrowing around a value outside the range keeps that value inside") {
  BoundsRules rules;
  OperatingBounds b = start();  // [80, 120]
  b.contract(rules, 140, kDay, "a rollback to where it stood before");
  CHECK(b.contains(140));
  CHECK(b.min() == Approx(140 - 60 * 0.75));
  CHECK(b.max() == Approx(140));
  b.contract(rules, 1000, 2 * kDay, "beyond the hard bounds");
  CHECK(b.max() == 400);  // never past the hard bounds
}

TEST_CASE("sliding bounds: a patch moves the range and is recorded; a patched range says so") {
  OperatingBounds b = start();
  const BoundsAdjustment a = b.patch(90, 200, 5, "bounds patch 7 of weekly_triage");
  CHECK(a.kind == "patch");
  CHECK(a.old_min == 80);
  CHECK(a.new_max == 200);
  CHECK(b.min() == 90);
  CHECK(b.since() == 5);
  CHECK_FALSE(b.from_patch());

  OperatingBounds p = must(OperatingBounds::patched(50, 150, 10, 400, 9, "bounds patch 8"));
  CHECK(p.from_patch());
  REQUIRE(p.history().size() == 1);
  CHECK(p.history()[0].kind == "patch");
  CHECK(p.history()[0].old_min == 10);  // from the hard bounds
  CHECK(p.history()[0].new_min == 50);
  const OperatingBounds back = must(OperatingBounds::from_json(p.to_json(), 10, 400));
  CHECK(back.from_patch());
  CHECK(back.min() == 50);
  CHECK_FALSE(must(OperatingBounds::from_json(b.to_json(), 10, 400)).from_patch());
  CHECK_FALSE(OperatingBounds::patched(5, 150, 10, 400, 9, "x"));
}

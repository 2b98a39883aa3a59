// How far one step and one period let a value move (pure functions; guard_hpa_test holds the
// guard to Kubernetes HPA's own cases).
#include "setpoint/guard/change_limits.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

namespace {
constexpr Nanos kSec = kNanosPerSecond;
}  // namespace

TEST_CASE("change limits: one step, in units or percent of the value it starts from") {
  CHECK(step_limit({StepLimit::Unit::kAbsolute, 10}, 100, +1) == 110);
  CHECK(step_limit({StepLimit::Unit::kAbsolute, 10}, 100, -1) == 90);
  CHECK(step_limit({StepLimit::Unit::kPercent, 10}, 200, +1) == 220);
  CHECK(step_limit({StepLimit::Unit::kPercent, 10}, 200, -1) == 180);
  CHECK(step_limit({StepLimit::Unit::kPercent, 50}, -20, -1) == -30);  // by its magnitude
}

TEST_CASE("change limits: a period counts every change within it, up and down") {
  DirectionRules up;
  up.rate = {{{StepLimit::Unit::kAbsolute, 10}, 60 * kSec}};
  const Nanos now = 1000 * kSec;
  CHECK(rate_limit(up, {}, 100, +1, now, false) == 110);
  // +6 then -2 within the period: it stood at 100 when the period began (not at 98, as
  // counting only the rises would say), so 110 is as far as it goes.
  CHECK(rate_limit(up, {{now - 30 * kSec, 6}, {now - 10 * kSec, -2}}, 104, +1, now, false) == 110);
  // A change older than the period does not count.
  CHECK(rate_limit(up, {{now - 61 * kSec, 9}}, 100, +1, now, false) == 110);
  // Used up: no move this way, never a move back.
  CHECK(rate_limit(up, {{now - 5 * kSec, 15}}, 115, +1, now, false) == 115);
}

TEST_CASE("change limits: several policies combine by the most, the least, or not at all") {
  DirectionRules rules;
  rules.rate = {{{StepLimit::Unit::kAbsolute, 4}, 60 * kSec},
                {{StepLimit::Unit::kPercent, 10}, 60 * kSec}};
  CHECK(rate_limit(rules, {}, 100, +1, 0, false) == Approx(110));  // kMax: 110 beats 104
  rules.select = RateSelect::kMin;
  CHECK(rate_limit(rules, {}, 100, +1, 0, false) == 104);
  CHECK(rate_limit(rules, {}, 100, -1, 0, false) == 96);
  rules.select = RateSelect::kDisabled;
  CHECK(rate_limit(rules, {}, 100, +1, 0, false) == 100);
  CHECK(rate_limit(rules, {}, 100, -1, 0, false) == 100);
}

TEST_CASE("change limits: whole numbers round as HPA does, up by ceil and down by trunc") {
  DirectionRules rules;
  rules.rate = {{{StepLimit::Unit::kPercent, 10}, 60 * kSec}};
  CHECK(rate_limit(rules, {}, 5, +1, 0, true) == 6);  // ceil(5.5)
  CHECK(rate_limit(rules, {}, 5, -1, 0, true) == 4);  // trunc(4.5)
  CHECK(rate_limit(rules, {}, 5, +1, 0, false) == 5.5);
}

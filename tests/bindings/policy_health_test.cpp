#include "setpoint/bindings/policy_health.hpp"

#include <catch2/catch.hpp>

#include "setpoint/bindings/policy_state.hpp"

using namespace setpoint;
using namespace setpoint::bindings;

namespace {
constexpr Nanos kSec = kNanosPerSecond;
}

TEST_CASE("three failures in a row quarantine a policy, with a doubling backoff") {
  PolicyHealth health({3, 30 * kSec, 100 * kSec});
  CHECK_FALSE(health.failure(0, "boom"));
  CHECK_FALSE(health.failure(kSec, "boom"));
  CHECK(health.failure(2 * kSec, "policy p: boom"));
  CHECK(health.quarantined(2 * kSec));
  CHECK(health.quarantined_until() == 32 * kSec);
  CHECK(health.last_error() == "policy p: boom");
  CHECK(health.may_run(32 * kSec));
  // Still failing after the quarantine: the next one lasts twice as long, then caps.
  health.failure(33 * kSec, "x");
  health.failure(34 * kSec, "x");
  CHECK(health.failure(35 * kSec, "x"));
  CHECK(health.quarantined_until() == 95 * kSec);
  health.failure(96 * kSec, "x");
  health.failure(97 * kSec, "x");
  health.failure(98 * kSec, "x");
  CHECK(health.quarantined_until() == 198 * kSec);  // 120 s capped at 100 s
  CHECK(health.quarantines() == 3);
}

TEST_CASE("a success resets the count and the backoff") {
  PolicyHealth health({3, 30 * kSec, 600 * kSec});
  health.failure(0, "x");
  health.failure(1, "x");
  health.success();
  CHECK_FALSE(health.failure(2, "x"));
  CHECK(health.consecutive_failures() == 1);
}

TEST_CASE("a runaway policy is quarantined while its neighbour keeps running") {
  SystemClock clock;
  Limits limits;
  limits.cpu = 5 * kNanosPerMilli;
  PolicyState bad("runaway", limits, clock);
  PolicyState good("steady", limits, clock);
  REQUIRE(bad.load("return { evaluate = function() while true do end end }", "bad.lua").ok());
  REQUIRE(good.load("return { evaluate = function() n = (n or 0) + 1 end }", "good.lua").ok());
  PolicyHealth bad_health, good_health;
  int bad_runs = 0;
  for (int tick = 0; tick < 10; ++tick) {
    const Nanos now = tick * kSec;
    if (bad_health.may_run(now)) {
      ++bad_runs;
      const RunResult r = bad.call("evaluate");
      if (r.ok())
        bad_health.success();
      else
        bad_health.failure(now, r.message);
    }
    const RunResult r = good.call("evaluate");
    REQUIRE(r.ok());
    good_health.success();
  }
  CHECK(bad_runs == 3);  // then quarantined for 30 s
  CHECK(bad_health.last_error() == "policy runaway exceeded its CPU deadline of 5 ms");
  CHECK(good_health.consecutive_failures() == 0);
}

#include "setpoint/resilience/circuit_breaker.hpp"

#include <catch2/catch.hpp>

#include "support/call_outcomes.hpp"

using namespace setpoint;
using setpoint::testing::outcomes;
using setpoint::testing::with_rejected;

namespace {
constexpr Nanos kSec = kNanosPerSecond;
}  // namespace

TEST_CASE("circuit breaker: opens on the failure rate past the minimum, waits, probes, closes") {
  ManualClock clock(100 * kSec);
  Aggregator aggregator(with_rejected());
  CallRecorder recorder(aggregator, "breaker", {}, clock);
  BreakerSettings settings;
  settings.minimum_calls.set(10);
  settings.failure_rate.set(0.5);
  settings.open_seconds.set(30);
  settings.probes.set(2);
  CircuitBreaker breaker(settings, 10 * kSec, &recorder);
  Nanos t = 100 * kSec;
  // Four failures in four calls: below the minimum of ten, no opinion yet.
  for (int i = 0; i < 4; ++i) {
    REQUIRE(breaker.allow(t));
    breaker.record(CallOutcome::kFailure, 5, t);
  }
  CHECK(breaker.state() == CircuitBreaker::State::kClosed);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(breaker.allow(t));
    breaker.record(CallOutcome::kSuccess, 5, t);
  }
  REQUIRE(breaker.allow(t));
  breaker.record(CallOutcome::kFailure, 5, t);  // 5 of 10 failed: 50 %
  CHECK(breaker.state() == CircuitBreaker::State::kOpen);
  CHECK(breaker.opened() == 1);
  CHECK_FALSE(breaker.allow(t + 29 * kSec));
  // After 30 s: two probes, no more until they answer.
  CHECK(breaker.allow(t + 30 * kSec));
  CHECK(breaker.state() == CircuitBreaker::State::kHalfOpen);
  CHECK(breaker.allow(t + 30 * kSec));
  CHECK_FALSE(breaker.allow(t + 30 * kSec));
  breaker.record(CallOutcome::kSuccess, 5, t + 30 * kSec);
  breaker.record(CallOutcome::kSuccess, 5, t + 30 * kSec);
  CHECK(breaker.state() == CircuitBreaker::State::kClosed);
  // A fresh window: one failure does not reopen it.
  REQUIRE(breaker.allow(t + 31 * kSec));
  breaker.record(CallOutcome::kFailure, 5, t + 31 * kSec);
  CHECK(breaker.state() == CircuitBreaker::State::kClosed);
  CHECK(outcomes(aggregator, "breaker{}", clock.wall()).at("rejected") == 2);
}

TEST_CASE(
    "circuit breaker: slow calls open it; a failed probe opens it again; old buckets fall out of "
    "the window") {
  BreakerSettings settings;
  settings.minimum_calls.set(4);
  settings.slow_call_rate.set(0.75);
  settings.slow_call_ms.set(500);
  settings.open_seconds.set(10);
  settings.probes.set(1);
  CircuitBreaker breaker(settings, 10 * kSec);
  Nanos t = 100 * kSec;
  // Three slow calls, then 20 s later one more: the first three are out of the window.
  for (int i = 0; i < 3; ++i) breaker.record(CallOutcome::kSuccess, 900, t);
  breaker.record(CallOutcome::kSuccess, 900, t + 20 * kSec);
  CHECK(breaker.state() == CircuitBreaker::State::kClosed);
  t += 20 * kSec;
  for (int i = 0; i < 3; ++i) breaker.record(CallOutcome::kSuccess, 900, t);
  CHECK(breaker.state() == CircuitBreaker::State::kOpen);  // 4 of 4 slow
  CHECK(breaker.allow(t + 10 * kSec));
  breaker.record(CallOutcome::kFailure, 5, t + 10 * kSec);
  CHECK(breaker.state() == CircuitBreaker::State::kOpen);
  CHECK(breaker.opened() == 2);
  CHECK_FALSE(breaker.allow(t + 15 * kSec));
}

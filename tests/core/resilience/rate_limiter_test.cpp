#include "setpoint/resilience/rate_limiter.hpp"

#include <catch2/catch.hpp>

#include "support/call_outcomes.hpp"

using namespace setpoint;
using setpoint::testing::outcomes;
using setpoint::testing::with_rejected;

namespace {
constexpr Nanos kMs = kNanosPerMilli;
constexpr Nanos kSec = kNanosPerSecond;
}  // namespace

TEST_CASE(
    "rate limiter: GCRA lets the burst through, then one call per interval; the quota changes "
    "live") {
  ManualClock clock(100 * kSec);
  Adaptive<double> rate(10);  // one per 100 ms
  Adaptive<double> burst(3);
  RateLimiter limiter(rate, burst, clock);
  const Nanos t = 100 * kSec;
  CHECK(limiter.try_acquire_at(t));
  CHECK(limiter.try_acquire_at(t));
  CHECK(limiter.try_acquire_at(t));
  CHECK_FALSE(limiter.try_acquire_at(t));  // the burst is spent
  CHECK_FALSE(limiter.try_acquire_at(t + 99 * kMs));
  CHECK(limiter.try_acquire_at(t + 100 * kMs));
  CHECK_FALSE(limiter.try_acquire_at(t + 150 * kMs));
  CHECK(limiter.try_acquire_at(t + 200 * kMs));
  // Idle for a second: the burst is back, not more.
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += limiter.try_acquire_at(t + 1200 * kMs) ? 1 : 0;
  CHECK(allowed == 3);
  rate.set(0);  // shut
  CHECK_FALSE(limiter.try_acquire_at(t + 10 * kSec));
  rate.set(1000);
  burst.set(1);
  CHECK(limiter.try_acquire_at(t + 10 * kSec));
  CHECK_FALSE(limiter.try_acquire_at(t + 10 * kSec));
  CHECK(limiter.try_acquire_at(t + 10 * kSec + kMs));
}

TEST_CASE("keyed rate limiter: each key its own state; one key tightened alone; key count capped") {
  ManualClock clock(100 * kSec);
  Aggregator aggregator(with_rejected());
  CallRecorder recorder(aggregator, "limited", {}, clock);
  Adaptive<double> rate(1);
  Adaptive<double> burst(2);
  KeyedRateLimiter limiter(rate, burst, clock, &recorder, 3);
  const Nanos t = 100 * kSec;
  CHECK(limiter.try_acquire_at("a", t));
  CHECK(limiter.try_acquire_at("a", t));
  CHECK_FALSE(limiter.try_acquire_at("a", t));
  CHECK(limiter.try_acquire_at("b", t));  // b is not a's neighbour
  limiter.set_key_rate("b", 0.0);         // b abuses: shut b only
  CHECK_FALSE(limiter.try_acquire_at("b", t + 5 * kSec));
  CHECK(limiter.try_acquire_at("a", t + 5 * kSec));
  limiter.set_key_rate("b", std::nullopt);
  CHECK(limiter.try_acquire_at("b", t + 5 * kSec));
  CHECK(limiter.try_acquire_at("c", t));
  CHECK_FALSE(limiter.try_acquire_at("d", t));  // a fourth key: past max_keys, refused
  CHECK(limiter.keys() == 3);
  CHECK(outcomes(aggregator, "limited{}", clock.wall()).at("rejected") == 3);
}

TEST_CASE(
    "rate limiter: a raised quota takes effect within one interval, not after the old rate's "
    "debt") {
  // Found with the adaptive_rate_limit cookbook: a client cut to 1/s (burst 10), given 11/s
  // back, was refused for another 9 s — the theoretical arrival time still ran 10 s ahead.
  ManualClock clock(100 * kSec);
  Adaptive<double> rate(1), burst(10);
  RateLimiter limiter(rate, burst, clock);
  const Nanos t = 100 * kSec;
  int allowed = 0;
  for (int i = 0; i < 100; ++i)
    allowed += limiter.try_acquire_at(t + i * 10 * kMs);  // 100/s for a second
  CHECK(allowed == 10);                                   // the burst
  rate.set(11);
  const Nanos raised = t + kSec;
  allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += limiter.try_acquire_at(raised + i * 10 * kMs);
  CHECK(allowed >= 10);  // about 11 in the first second at the new rate
  CHECK(allowed <= 12);
  // A quota that stays put keeps its burst exactly: the cap never lets more through.
  Adaptive<double> steady(10), three(3);
  RateLimiter fixed(steady, three, clock);
  allowed = 0;
  for (int i = 0; i < 1000; ++i)
    allowed += fixed.try_acquire_at(t + i * kMs);  // 1000/s for a second
  CHECK(allowed == 3 + 9);  // the burst, then one each 100 ms: at 100, 200, ... 900 ms
}

#include "setpoint/resilience/retry_policy.hpp"

#include <algorithm>
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
    "retry policy: transient only, attempts, full-jitter backoff, the latency budget, the shared "
    "budget") {
  ManualClock clock(0);
  RetrySettings settings;
  settings.max_attempts.set(4);
  settings.base_ms.set(100);
  settings.max_backoff_ms.set(250);
  RetryPolicy policy(settings, nullptr, nullptr, 42);
  CHECK_FALSE(policy.next(1, AttemptResult::kPermanent, 0, 0));
  CHECK_FALSE(policy.next(1, AttemptResult::kSuccess, 0, 0));
  CHECK_FALSE(policy.next(4, AttemptResult::kTransient, 0, 0));  // the fourth try was the last
  // Full jitter: waits spread over [0, cap), cap = min(250, 100 × 2^(n-1)).
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const double cap = std::min(250.0, 100.0 * (1 << (attempt - 1)));
    double lo = 1e9, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      const double ms =
          static_cast<double>(*policy.next(attempt, AttemptResult::kTransient, 0, 0)) / kMs;
      lo = std::min(lo, ms);
      hi = std::max(hi, ms);
    }
    CHECK(lo >= 0);
    CHECK(lo < cap * 0.05);
    CHECK(hi < cap);
    CHECK(hi > cap * 0.95);
  }
  // A retry that would end past the request's budget is not made.
  CHECK_FALSE(policy.next(1, AttemptResult::kTransient, 999 * kMs, 1000 * kMs));

  Adaptive<double> ratio(0.1);
  RetryBudget budget(ratio);
  RetryPolicy budgeted(settings, &budget, nullptr, 7);
  for (int i = 0; i < 100; ++i) budget.on_request();  // 100 requests earn 10 retries
  int retried = 0;
  for (int i = 0; i < 50; ++i) retried += budgeted.next(1, AttemptResult::kTransient, 0, 0) ? 1 : 0;
  CHECK(retried == 10);
  CHECK(budgeted.denied() == 40);
}

TEST_CASE(
    "retry policy: run() retries a flaky call, sleeping on the injected clock, and records the "
    "request") {
  ManualClock clock(100 * kSec);
  Aggregator aggregator(with_rejected());
  CallRecorder recorder(aggregator, "payments", {}, clock);
  RetrySettings settings;
  Adaptive<double> ratio(1.0);
  RetryBudget budget(ratio);
  RetryPolicy policy(settings, &budget, &recorder, 3);
  int calls = 0;
  const auto sleep = [&](Nanos wait) { clock.advance(wait); };
  const auto flaky = [&] {
    return ++calls < 3 ? AttemptResult::kTransient : AttemptResult::kSuccess;
  };
  budget.on_request();
  budget.on_request();  // two tokens saved up for this request's two retries
  CHECK(policy.run(flaky, 0, clock, sleep) == AttemptResult::kSuccess);
  CHECK(calls == 3);
  CHECK(policy.retries() == 2);
  calls = 0;
  const auto broken = [&] {
    ++calls;
    return AttemptResult::kPermanent;
  };
  CHECK(policy.run(broken, 0, clock, sleep) == AttemptResult::kPermanent);
  CHECK(calls == 1);
  CHECK(outcomes(aggregator, "payments{}", clock.wall()) ==
        std::map<std::string, std::uint64_t>{{"ok", 1}, {"error", 1}});
}

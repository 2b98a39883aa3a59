// Cookbook: a retry storm, with and without a retry budget.
// 1,000 requests a second meet a dependency that fails 60 % of calls for 20 seconds. Clients
// retry transient failures up to 3 times. Without a budget, every failure is retried and the
// dependency sees up to 2.8x its normal load exactly when it is weakest; with a shared budget
// of 10 %, retries add at most a tenth.
#include <cstdio>
#include <random>

#include "setpoint/resilience/retry_policy.hpp"

using namespace setpoint;

namespace {

// Calls the dependency receives for `requests` requests, under `policy`.
long long run(RetryPolicy& policy, int requests, double failure_rate, std::mt19937_64& rng) {
  ManualClock clock(0);
  std::bernoulli_distribution fails(failure_rate);
  long long calls = 0;
  const auto call = [&] {
    ++calls;
    return fails(rng) ? AttemptResult::kTransient : AttemptResult::kSuccess;
  };
  for (int i = 0; i < requests; ++i)
    policy.run(call, 0, clock, [&](Nanos wait) { clock.advance(wait); });
  return calls;
}

}  // namespace

int main() {
  std::mt19937_64 rng(7);
  RetrySettings settings;
  settings.max_attempts.set(4);
  RetryPolicy unbudgeted(settings, nullptr, nullptr, 1);
  Adaptive<double> ratio(0.1);
  RetryBudget budget(ratio, 50);
  RetryPolicy budgeted(settings, &budget, nullptr, 2);

  std::printf("%8s  %22s  %22s\n", "second", "calls without budget", "calls with 10 % budget");
  long long total_free = 0, total_budgeted = 0;
  for (int second = 0; second < 30; ++second) {
    const double failure_rate = second >= 5 && second < 25 ? 0.6 : 0.01;
    const long long free_calls = run(unbudgeted, 1000, failure_rate, rng);
    const long long budgeted_calls = run(budgeted, 1000, failure_rate, rng);
    total_free += free_calls;
    total_budgeted += budgeted_calls;
    if (second % 5 == 0 || second == 24)
      std::printf("%8d  %22lld  %22lld\n", second, free_calls, budgeted_calls);
  }
  std::printf("over 30 s: %lld calls without a budget (%.2fx the requests), %lld with it (%.2fx)\n",
              total_free, total_free / 30000.0, total_budgeted, total_budgeted / 30000.0);
  std::printf("retries denied by the budget: %llu\n",
              static_cast<unsigned long long>(budgeted.denied()));
  // The budget holds retries to about 10 % of requests (plus what it saved up while calm).
  return total_budgeted <= 30000 * 1.12 && total_free > 30000 * 1.5 ? 0 : 1;
}

#pragma once
// Retries that cannot become a retry storm. RetryPolicy says whether and when to try again:
// only after a transient failure, at most `max_attempts` tries, never past the request's
// latency budget, with exponential backoff and full jitter (a uniform wait in
// [0, min(max_backoff, base × 2^(n-1))]), and only while the RetryBudget shared by all
// requests has a token: each request earns `ratio` of a token (0.1: retries add at most 10 %
// load), each retry spends one. Settings are Adaptive, so a policy can tighten them live.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

#include "setpoint/base/adaptive.hpp"
#include "setpoint/base/clock.hpp"
#include "setpoint/resilience/call_recorder.hpp"

namespace setpoint {

class RetryBudget {
 public:
  // `ratio`: tokens earned per request; `max_tokens` caps what a quiet period can save up.
  explicit RetryBudget(Adaptive<double>& ratio, double max_tokens = 100);
  void on_request();
  bool try_spend();
  double tokens() const {
    return static_cast<double>(milli_.load(std::memory_order_relaxed)) / 1000;
  }

 private:
  Adaptive<double>& ratio_;
  const std::int64_t max_milli_;
  alignas(64) std::atomic<std::int64_t> milli_{0};  // thousandths of a token
};

struct RetrySettings {
  Adaptive<long long> max_attempts{3};  // the first try included
  Adaptive<double> base_ms{50};
  Adaptive<double> max_backoff_ms{2000};
};

enum class AttemptResult { kSuccess, kTransient, kPermanent };

class RetryPolicy {
 public:
  RetryPolicy(RetrySettings& settings, RetryBudget* budget = nullptr,
              CallRecorder* recorder = nullptr, std::uint64_t seed = 0);

  // After try number `attempt` (1, 2, …) failed: how long to wait before the next, or none.
  // `elapsed` is the request's time so far; `budget` its latency budget (0: none).
  std::optional<Nanos> next(int attempt, AttemptResult result, Nanos elapsed, Nanos budget);

  // Runs `call` under the policy: counts the request in the budget, sleeps between tries with
  // `sleep` (tests pass one that only advances a manual clock), records the request's outcome.
  AttemptResult run(const std::function<AttemptResult()>& call, Nanos budget, const Clock& clock,
                    const std::function<void(Nanos)>& sleep);

  std::uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }
  std::uint64_t denied() const { return denied_.load(std::memory_order_relaxed); }

 private:
  double uniform();  // [0, 1)

  RetrySettings& settings_;
  RetryBudget* budget_;
  CallRecorder* recorder_;
  std::atomic<std::uint64_t> rng_;
  std::atomic<std::uint64_t> retries_{0}, denied_{0};
};

}  // namespace setpoint

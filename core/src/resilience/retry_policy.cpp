#include "setpoint/resilience/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace setpoint {

RetryBudget::RetryBudget(Adaptive<double>& ratio, double max_tokens)
    : ratio_(ratio), max_milli_(static_cast<std::int64_t>(max_tokens * 1000)) {}

void RetryBudget::on_request() {
  const auto earned = static_cast<std::int64_t>(std::max(0.0, ratio_.get()) * 1000);
  std::int64_t current = milli_.load(std::memory_order_relaxed);
  while (current < max_milli_ &&
         !milli_.compare_exchange_weak(current, std::min(max_milli_, current + earned),
                                       std::memory_order_relaxed)) {
  }
}

bool RetryBudget::try_spend() {
  std::int64_t current = milli_.load(std::memory_order_relaxed);
  while (current >= 1000) {
    if (milli_.compare_exchange_weak(current, current - 1000, std::memory_order_relaxed))
      return true;
  }
  return false;
}

RetryPolicy::RetryPolicy(RetrySettings& settings, RetryBudget* budget, CallRecorder* recorder,
                         std::uint64_t seed)
    : settings_(settings),
      budget_(budget),
      recorder_(recorder),
      rng_(seed != 0 ? seed : std::random_device{}() | 1) {}

double RetryPolicy::uniform() {
  // splitmix64 on a shared atomic counter: lock-free, and every thread gets its own numbers.
  std::uint64_t z =
      rng_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

std::optional<Nanos> RetryPolicy::next(int attempt, AttemptResult result, Nanos elapsed,
                                       Nanos budget) {
  if (result != AttemptResult::kTransient)
    return std::nullopt;  // success, or no point trying again
  if (attempt >= settings_.max_attempts.get()) return std::nullopt;
  const double cap_ms = std::min(settings_.max_backoff_ms.get(),
                                 settings_.base_ms.get() * std::ldexp(1.0, attempt - 1));
  const auto wait = static_cast<Nanos>(uniform() * std::max(0.0, cap_ms) * kNanosPerMilli);
  if (budget > 0 && elapsed + wait >= budget)
    return std::nullopt;  // it would answer too late anyway
  if (budget_ != nullptr && !budget_->try_spend()) {
    denied_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  retries_.fetch_add(1, std::memory_order_relaxed);
  return wait;
}

AttemptResult RetryPolicy::run(const std::function<AttemptResult()>& call, Nanos budget,
                               const Clock& clock, const std::function<void(Nanos)>& sleep) {
  if (budget_ != nullptr) budget_->on_request();
  const Nanos start = clock.monotonic();
  AttemptResult result = AttemptResult::kTransient;
  for (int attempt = 1;; ++attempt) {
    result = call();
    const auto wait = next(attempt, result, clock.monotonic() - start, budget);
    if (!wait) break;
    sleep(*wait);
  }
  if (recorder_ != nullptr) {
    const double ms = static_cast<double>(clock.monotonic() - start) / kNanosPerMilli;
    recorder_->record(
        result == AttemptResult::kSuccess ? CallOutcome::kSuccess : CallOutcome::kFailure, ms);
  }
  return result;
}

}  // namespace setpoint

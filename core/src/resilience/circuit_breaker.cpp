#include "setpoint/resilience/circuit_breaker.hpp"

namespace setpoint {
namespace {
constexpr int kClosed = 0, kOpen = 1, kHalfOpen = 2;
}

CircuitBreaker::CircuitBreaker(BreakerSettings& settings, Nanos window, CallRecorder* recorder)
    : settings_(settings),
      width_(window / kBuckets > 0 ? window / kBuckets : 1),
      recorder_(recorder) {}

CircuitBreaker::Bucket& CircuitBreaker::bucket_at(Nanos now) {
  const std::int64_t epoch = now / width_;
  Bucket& b = buckets_[static_cast<std::size_t>(epoch % kBuckets)];
  std::int64_t seen = b.epoch.load(std::memory_order_acquire);
  // The first call of a new period empties the bucket it reuses. Counts that race with the
  // reset land in either period: a window is a rate estimate, not a ledger.
  if (seen != epoch && b.epoch.compare_exchange_strong(seen, epoch, std::memory_order_acq_rel)) {
    b.calls.store(0, std::memory_order_relaxed);
    b.failures.store(0, std::memory_order_relaxed);
    b.slow.store(0, std::memory_order_relaxed);
  }
  return b;
}

bool CircuitBreaker::should_open(Nanos now) const {
  const std::int64_t newest = now / width_;
  std::uint64_t calls = 0, failures = 0, slow = 0;
  for (const Bucket& b : buckets_) {
    if (newest - b.epoch.load(std::memory_order_acquire) >= kBuckets)
      continue;  // outside the window
    calls += b.calls.load(std::memory_order_relaxed);
    failures += b.failures.load(std::memory_order_relaxed);
    slow += b.slow.load(std::memory_order_relaxed);
  }
  if (calls == 0 || static_cast<long long>(calls) < settings_.minimum_calls.get()) return false;
  const double n = static_cast<double>(calls);
  return failures / n >= settings_.failure_rate.get() || slow / n >= settings_.slow_call_rate.get();
}

void CircuitBreaker::open(Nanos now, int from) {
  if (state_.compare_exchange_strong(from, kOpen, std::memory_order_acq_rel)) {
    opened_at_.store(now, std::memory_order_release);
    opened_count_.fetch_add(1, std::memory_order_relaxed);
  }
}

void CircuitBreaker::close() {
  int from = kHalfOpen;
  if (!state_.compare_exchange_strong(from, kClosed, std::memory_order_acq_rel)) return;
  for (Bucket& b : buckets_) b.epoch.store(-1, std::memory_order_release);  // a fresh window
}

bool CircuitBreaker::allow(Nanos now) {
  int state = state_.load(std::memory_order_acquire);
  if (state == kClosed) return true;
  if (state == kOpen) {
    const auto open_for = static_cast<Nanos>(settings_.open_seconds.get() * kNanosPerSecond);
    if (now - opened_at_.load(std::memory_order_acquire) >= open_for) {
      // The first caller past the wait turns it half-open and hands out the probes; a caller
      // that sees half-open before they are handed out is refused, the safe side.
      if (state_.compare_exchange_strong(state, kHalfOpen, std::memory_order_acq_rel)) {
        probes_ok_.store(0, std::memory_order_relaxed);
        probes_left_.store(settings_.probes.get(), std::memory_order_release);
        state = kHalfOpen;
      } else {
        state = state_.load(std::memory_order_acquire);
      }
    }
  }
  if (state == kHalfOpen && probes_left_.fetch_sub(1, std::memory_order_acq_rel) > 0) return true;
  if (state == kClosed) return true;
  if (recorder_ != nullptr) recorder_->record(CallOutcome::kRejected);
  return false;
}

void CircuitBreaker::record(CallOutcome outcome, double latency_ms, Nanos now) {
  if (recorder_ != nullptr) recorder_->record(outcome, latency_ms);
  const bool failed = outcome == CallOutcome::kFailure;
  const bool slow = latency_ms >= settings_.slow_call_ms.get();
  const int state = state_.load(std::memory_order_acquire);
  if (state == kHalfOpen) {
    if (failed || slow)
      open(now, kHalfOpen);
    else if (probes_ok_.fetch_add(1, std::memory_order_acq_rel) + 1 >= settings_.probes.get())
      close();
    return;
  }
  if (state != kClosed) return;  // a call allowed just before it opened
  Bucket& b = bucket_at(now);
  b.calls.fetch_add(1, std::memory_order_relaxed);
  if (failed) b.failures.fetch_add(1, std::memory_order_relaxed);
  if (slow) b.slow.fetch_add(1, std::memory_order_relaxed);
  // Only a bad call can raise a rate: a success never needs the window summed.
  if ((failed || slow) && should_open(now)) open(now, kClosed);
}

}  // namespace setpoint

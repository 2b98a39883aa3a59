#pragma once
// A circuit breaker: closed (calls pass, outcomes counted over a sliding window), open (calls
// rejected at once, for a while), half-open (a few probe calls decide: all good closes it, one
// bad opens it again). It opens when, over the window and with at least `minimum_calls`, the
// failure rate or the slow-call rate reaches its threshold. Every threshold is an Adaptive a
// policy can tune live. Lock-free: the state and the window's counters are atomics.
//
//   const Nanos now = clock.monotonic();
//   if (!breaker.allow(now)) return fallback();
//   auto ok = call();
//   breaker.record(ok ? CallOutcome::kSuccess : CallOutcome::kFailure, latency_ms,
//   clock.monotonic());
#include <array>
#include <atomic>
#include <cstdint>

#include "setpoint/base/adaptive.hpp"
#include "setpoint/base/clock.hpp"
#include "setpoint/resilience/call_recorder.hpp"

namespace setpoint {

struct BreakerSettings {
  Adaptive<double> failure_rate{0.5};    // open at this share of failed calls…
  Adaptive<double> slow_call_rate{1.0};  // …or of slow calls (1.0: only if every call is slow)
  Adaptive<double> slow_call_ms{1000};
  Adaptive<long long> minimum_calls{20};  // in the window, before any rate counts
  Adaptive<double> open_seconds{30};
  Adaptive<long long> probes{3};  // half-open calls that must all succeed to close
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  static constexpr int kBuckets = 10;

  // The sliding window is `window` long, counted in kBuckets buckets.
  CircuitBreaker(BreakerSettings& settings, Nanos window, CallRecorder* recorder = nullptr);

  // Whether a call may go ahead at `now` (monotonic). A refused call is recorded as rejected.
  bool allow(Nanos now);
  // What happened to an allowed call.
  void record(CallOutcome outcome, double latency_ms, Nanos now);

  State state() const { return static_cast<State>(state_.load(std::memory_order_acquire)); }
  std::uint64_t opened() const { return opened_count_.load(std::memory_order_relaxed); }

 private:
  struct Bucket {
    std::atomic<std::int64_t> epoch{-1};
    std::atomic<std::uint32_t> calls{0}, failures{0}, slow{0};
  };
  Bucket& bucket_at(Nanos now);
  bool should_open(Nanos now) const;
  void open(Nanos now, int from);
  void close();

  BreakerSettings& settings_;
  const Nanos width_;
  CallRecorder* recorder_;
  alignas(64) std::atomic<int> state_{0};
  std::atomic<Nanos> opened_at_{0};
  std::atomic<long long> probes_left_{0};
  std::atomic<long long> probes_ok_{0};
  std::atomic<std::uint64_t> opened_count_{0};
  std::array<Bucket, kBuckets> buckets_;
};

}  // namespace setpoint

#pragma once
// A bulkhead: at most `limit` calls in flight at once, the limit an Adaptive<long long> a
// policy can tune live (AIMD, gradient) through the inproc actuator. try_acquire() never
// blocks; acquire() may wait in a bounded queue for a permit; past the queue, calls are
// rejected at once, so a slow dependency cannot pile up threads. Lowering the limit below the
// calls in flight takes effect as they finish.
//
//   if (!bulkhead.try_acquire()) return overloaded();
//   auto ok = call_payments();
//   bulkhead.release(ok ? CallOutcome::kSuccess : CallOutcome::kFailure);
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

#include "setpoint/base/adaptive.hpp"
#include "setpoint/resilience/call_recorder.hpp"

namespace setpoint {

class Bulkhead {
 public:
  // `recorder` (optional) is told of every rejection and every released call's outcome.
  Bulkhead(Adaptive<long long>& limit, std::size_t max_queue, CallRecorder* recorder = nullptr);

  bool try_acquire();
  // Waits up to `wait` for a permit when none is free and the queue has room.
  bool acquire(std::chrono::nanoseconds wait);
  // Gives the permit back; the outcome is what happened to the call it guarded.
  void release(CallOutcome outcome = CallOutcome::kSuccess);
  // The same, recording the call's latency too (what a latency-driven policy reads).
  void release(CallOutcome outcome, double latency_ms);

  long long in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  std::size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

 private:
  bool take();
  void rejected();
  void give_back();

  Adaptive<long long>& limit_;
  const std::size_t max_queue_;
  CallRecorder* recorder_;
  alignas(64) std::atomic<long long> in_flight_{0};
  alignas(64) std::atomic<std::size_t> waiting_{0};
  std::mutex mutex_;
  std::condition_variable freed_;
};

}  // namespace setpoint

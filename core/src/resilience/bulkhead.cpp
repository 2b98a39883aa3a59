#include "setpoint/resilience/bulkhead.hpp"

namespace setpoint {

Bulkhead::Bulkhead(Adaptive<long long>& limit, std::size_t max_queue, CallRecorder* recorder)
    : limit_(limit), max_queue_(max_queue), recorder_(recorder) {}

bool Bulkhead::take() {
  long long current = in_flight_.load(std::memory_order_relaxed);
  while (current < limit_.get()) {
    if (in_flight_.compare_exchange_weak(current, current + 1, std::memory_order_acquire,
                                         std::memory_order_relaxed))
      return true;
  }
  return false;
}

void Bulkhead::rejected() {
  if (recorder_ != nullptr) recorder_->record(CallOutcome::kRejected);
}

bool Bulkhead::try_acquire() {
  if (take()) return true;
  rejected();
  return false;
}

bool Bulkhead::acquire(std::chrono::nanoseconds wait) {
  if (take()) return true;
  std::unique_lock lock(mutex_);
  if (waiting_.load() >= max_queue_ || wait <= std::chrono::nanoseconds::zero()) {
    lock.unlock();
    rejected();
    return false;
  }
  // Counted as waiting before looking again: a release either sees the waiter (and wakes it)
  // or frees the permit this look finds (both sides are sequentially consistent).
  waiting_.fetch_add(1);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  bool got = take();
  while (!got && freed_.wait_until(lock, deadline) != std::cv_status::timeout) got = take();
  if (!got) got = take();
  waiting_.fetch_sub(1);
  lock.unlock();
  if (!got) rejected();
  return got;
}

void Bulkhead::give_back() {
  in_flight_.fetch_sub(1);
  if (waiting_.load() > 0) {
    {
      std::lock_guard lock(mutex_);
    }  // a waiter between its look and its wait finishes getting there
    freed_.notify_one();
  }
}

void Bulkhead::release(CallOutcome outcome) {
  give_back();
  if (recorder_ != nullptr) recorder_->record(outcome);
}

void Bulkhead::release(CallOutcome outcome, double latency_ms) {
  give_back();
  if (recorder_ != nullptr) recorder_->record(outcome, latency_ms);
}

}  // namespace setpoint

#pragma once
// Adaptive<T>: a value that C++ code embedding Setpoint reads on its hot path without locks,
// and that the inproc actuator sets when a vetted change is applied. T is a number or a bool.
#include <atomic>
#include <type_traits>

namespace setpoint {

template <typename T>
class Adaptive {
  static_assert(std::is_arithmetic_v<T>, "Adaptive holds numbers and bools");
  static_assert(std::atomic<T>::is_always_lock_free, "Adaptive must be lock-free");

 public:
  explicit Adaptive(T initial) : value_(initial) {}
  Adaptive(const Adaptive&) = delete;
  Adaptive& operator=(const Adaptive&) = delete;

  // Readers see the newest value soon after it is set; one relaxed load, no fence.
  T get() const noexcept { return value_.load(std::memory_order_relaxed); }
  void set(T value) noexcept { value_.store(value, std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<T> value_;  // its own cache line: readers never share it with writes
};

}  // namespace setpoint

#pragma once
// A rate limiter by GCRA (the generic cell rate algorithm): one atomic "theoretical arrival
// time" per limiter, moved forward by a compare-and-swap per allowed call — lock-free, no
// refill thread. The quota (calls per second) and the burst (calls allowed at once) are
// Adaptive values a policy can change live; a change applies from the next call.
//
//   if (!limiter.try_acquire()) return too_many_requests();
//
// KeyedRateLimiter keeps one such state per key (a client, a tenant), each key optionally
// with its own quota — an abusive key tightened while the others keep theirs.
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "setpoint/base/adaptive.hpp"
#include "setpoint/base/clock.hpp"
#include "setpoint/resilience/call_recorder.hpp"

namespace setpoint {

// The GCRA step on one state: true (and the state moved) when a call at `now` fits in
// `rate` per second with `burst` at once.
bool gcra_allow(std::atomic<Nanos>& tat, Nanos now, double rate, double burst);

class RateLimiter {
 public:
  RateLimiter(Adaptive<double>& rate_per_s, Adaptive<double>& burst, const Clock& clock,
              CallRecorder* recorder = nullptr);

  bool try_acquire() { return try_acquire_at(clock_.monotonic()); }
  bool try_acquire_at(Nanos now);

 private:
  Adaptive<double>& rate_;
  Adaptive<double>& burst_;
  const Clock& clock_;
  CallRecorder* recorder_;
  alignas(64) std::atomic<Nanos> tat_{0};
};

class KeyedRateLimiter {
 public:
  KeyedRateLimiter(Adaptive<double>& rate_per_s, Adaptive<double>& burst, const Clock& clock,
                   CallRecorder* recorder = nullptr, std::size_t max_keys = 100'000);

  // False past the key's quota — and for a new key once max_keys are tracked (fail closed:
  // a flood of fresh keys is itself abuse).
  bool try_acquire(std::string_view key) { return try_acquire_at(key, clock_.monotonic()); }
  bool try_acquire_at(std::string_view key, Nanos now);
  // A key's own quota (calls per second) instead of the shared one; none lifts it.
  void set_key_rate(std::string_view key, std::optional<double> rate_per_s);
  std::size_t keys() const;

 private:
  struct KeyState {
    std::atomic<Nanos> tat{0};
    std::atomic<double> own_rate{-1};  // < 0: the shared quota
  };
  struct Shard {
    mutable std::mutex mutex;  // guards the map, not the states: those are atomics
    std::unordered_map<std::string, std::unique_ptr<KeyState>> states;
  };
  KeyState* state(std::string_view key, bool create);

  Adaptive<double>& rate_;
  Adaptive<double>& burst_;
  const Clock& clock_;
  CallRecorder* recorder_;
  const std::size_t max_keys_;
  std::atomic<std::size_t> count_{0};
  std::array<Shard, 16> shards_;
};

}  // namespace setpoint

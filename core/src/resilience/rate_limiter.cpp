#include "setpoint/resilience/rate_limiter.hpp"

#include <algorithm>
#include <functional>

namespace setpoint {

bool gcra_allow(std::atomic<Nanos>& tat, Nanos now, double rate, double burst) {
  if (!(rate > 0)) return false;  // a quota of zero (or nonsense) lets nothing through
  const auto interval = static_cast<Nanos>(kNanosPerSecond / rate);
  // How far ahead of now the theoretical arrival time may run: burst - 1 intervals.
  const auto tolerance =
      static_cast<Nanos>(std::max(0.0, burst - 1) * static_cast<double>(interval));
  Nanos current = tat.load(std::memory_order_relaxed);
  for (;;) {
    Nanos base = std::max(current, now);
    // A rate raised (or a burst lowered) since `tat` was set leaves a debt counted at the old,
    // slower rate that would hold the new quota back for seconds: forgive it down to a full
    // burst at the new rate, so a new quota takes effect within one interval.
    if (const Nanos cap = now + tolerance + interval; base > cap) {
      if (!tat.compare_exchange_weak(current, cap, std::memory_order_relaxed)) continue;
      current = base = cap;
    }
    if (base - now > tolerance) return false;
    if (tat.compare_exchange_weak(current, base + interval, std::memory_order_relaxed)) return true;
  }
}

RateLimiter::RateLimiter(Adaptive<double>& rate_per_s, Adaptive<double>& burst, const Clock& clock,
                         CallRecorder* recorder)
    : rate_(rate_per_s), burst_(burst), clock_(clock), recorder_(recorder) {}

bool RateLimiter::try_acquire_at(Nanos now) {
  const bool allowed = gcra_allow(tat_, now, rate_.get(), burst_.get());
  if (!allowed && recorder_ != nullptr) recorder_->record(CallOutcome::kRejected);
  return allowed;
}

KeyedRateLimiter::KeyedRateLimiter(Adaptive<double>& rate_per_s, Adaptive<double>& burst,
                                   const Clock& clock, CallRecorder* recorder, std::size_t max_keys)
    : rate_(rate_per_s), burst_(burst), clock_(clock), recorder_(recorder), max_keys_(max_keys) {}

KeyedRateLimiter::KeyState* KeyedRateLimiter::state(std::string_view key, bool create) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  const auto it = shard.states.find(std::string(key));
  if (it != shard.states.end()) return it->second.get();
  if (!create || count_.load(std::memory_order_relaxed) >= max_keys_) return nullptr;
  count_.fetch_add(1, std::memory_order_relaxed);
  return shard.states.emplace(std::string(key), std::make_unique<KeyState>()).first->second.get();
}

bool KeyedRateLimiter::try_acquire_at(std::string_view key, Nanos now) {
  KeyState* s = state(key, true);
  const double own = s != nullptr ? s->own_rate.load(std::memory_order_relaxed) : -1;
  const bool allowed =
      s != nullptr && gcra_allow(s->tat, now, own >= 0 ? own : rate_.get(), burst_.get());
  if (!allowed && recorder_ != nullptr) recorder_->record(CallOutcome::kRejected);
  return allowed;
}

void KeyedRateLimiter::set_key_rate(std::string_view key, std::optional<double> rate_per_s) {
  if (KeyState* s = state(key, rate_per_s.has_value()))
    s->own_rate.store(rate_per_s.value_or(-1), std::memory_order_relaxed);
}

std::size_t KeyedRateLimiter::keys() const { return count_.load(std::memory_order_relaxed); }

}  // namespace setpoint

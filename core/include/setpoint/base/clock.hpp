#pragma once
// Time for the engine. Everything that depends on time takes a Clock so that tests and
// replay run on a ManualClock; nothing in core/ reads the system clock behind its back.
#include <atomic>
#include <cstdint>

namespace setpoint {

// Nanoseconds. Wall times are since the Unix epoch; monotonic times since an arbitrary origin.
using Nanos = std::int64_t;

constexpr Nanos kNanosPerMicro = 1'000;
constexpr Nanos kNanosPerMilli = 1'000'000;
constexpr Nanos kNanosPerSecond = 1'000'000'000;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: what telemetry timestamps and windows are measured in.
  virtual Nanos wall() const = 0;
  // Monotonic time: what deadlines and durations are measured in.
  virtual Nanos monotonic() const = 0;
  // A cheap wall time of coarse resolution (a few milliseconds), for hot paths that stamp
  // many events: one precise read per event would cost more than recording the event.
  virtual Nanos coarse_wall() const { return wall(); }
};

class SystemClock final : public Clock {
 public:
  Nanos wall() const override;
  Nanos monotonic() const override;
  Nanos coarse_wall() const override;
};

// A clock that moves only when told to. Safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Nanos wall_start = 0) : wall_(wall_start), mono_(0) {}
  Nanos wall() const override { return wall_.load(std::memory_order_acquire); }
  Nanos monotonic() const override { return mono_.load(std::memory_order_acquire); }
  // Moves both clocks forward (or the wall clock backwards with a negative step, as NTP may).
  void advance(Nanos step);
  // Sets the wall clock; the monotonic clock moves only forward, by the same amount if positive.
  void set_wall(Nanos wall);

 private:
  std::atomic<Nanos> wall_;
  std::atomic<Nanos> mono_;
};

}  // namespace setpoint

#include "setpoint/base/clock.hpp"

#include <time.h>

namespace setpoint {
namespace {
Nanos read(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}
}  // namespace

Nanos SystemClock::wall() const { return read(CLOCK_REALTIME); }
Nanos SystemClock::monotonic() const { return read(CLOCK_MONOTONIC); }
Nanos SystemClock::coarse_wall() const { return read(CLOCK_REALTIME_COARSE); }

void ManualClock::advance(Nanos step) {
  wall_.fetch_add(step, std::memory_order_acq_rel);
  if (step > 0) mono_.fetch_add(step, std::memory_order_acq_rel);
}

void ManualClock::set_wall(Nanos wall) {
  Nanos before = wall_.exchange(wall, std::memory_order_acq_rel);
  if (wall > before) mono_.fetch_add(wall - before, std::memory_order_acq_rel);
}

}  // namespace setpoint

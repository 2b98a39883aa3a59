#pragma once
// The simulated release train of `setpoint simulate`: a release is ready every `every`; it
// goes out unless releases are frozen, in which case it waits, and waiting releases go out one
// a step once the freeze lifts. The freeze is a knob (Adaptive<bool>) a policy drives — the
// deploy pipeline's "halt releases" switch.
#include <cstdint>

#include "setpoint/base/adaptive.hpp"
#include "setpoint/base/clock.hpp"

namespace setpoint::runner {

class ReleaseTrain {
 public:
  explicit ReleaseTrain(Nanos every) : every_(every) {}

  Adaptive<bool>& frozen() { return frozen_; }
  int waiting() const { return waiting_; }

  // Advances to `t` (since the start, a multiple of the step); true when a release went out.
  bool step(Nanos t, Nanos dt) {
    if (every_ > 0 && t / every_ != (t + dt) / every_)
      ++waiting_;  // one became ready in (t, t + dt]
    if (waiting_ == 0 || frozen_.get()) return false;
    --waiting_;
    return true;
  }

 private:
  Nanos every_;
  Adaptive<bool> frozen_{false};
  int waiting_ = 0;
};

}  // namespace setpoint::runner

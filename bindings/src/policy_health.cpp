#include "setpoint/bindings/policy_health.hpp"

#include <algorithm>

namespace setpoint::bindings {

void PolicyHealth::success() {
  consecutive_failures_ = 0;
  quarantines_in_a_row_ = 0;
}

bool PolicyHealth::failure(Nanos now, std::string message) {
  last_error_ = std::move(message);
  if (++consecutive_failures_ < options_.failures_to_quarantine) return false;
  // Each quarantine in a row waits twice as long as the one before, up to the ceiling.
  Nanos wait = options_.backoff;
  for (int i = 0; i < quarantines_in_a_row_ && wait < options_.max_backoff; ++i) wait *= 2;
  wait = std::min(wait, options_.max_backoff);
  quarantined_until_ = now + wait;
  consecutive_failures_ = 0;
  ++quarantines_in_a_row_;
  ++quarantines_;
  return true;
}

}  // namespace setpoint::bindings

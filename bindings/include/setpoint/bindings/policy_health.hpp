#pragma once
// A policy's health: after N consecutive failed evaluations (errors, deadlines, memory) it is
// quarantined — not run — for a backoff that doubles with each quarantine in a row, up to a
// ceiling; the first success after a quarantine resets it. Other policies never notice.
#include <string>

#include "setpoint/base/clock.hpp"

namespace setpoint::bindings {

struct HealthOptions {
  int failures_to_quarantine = 3;
  Nanos backoff = 30 * kNanosPerSecond;
  Nanos max_backoff = 30 * 60 * kNanosPerSecond;
};

class PolicyHealth {
 public:
  explicit PolicyHealth(HealthOptions options = {}) : options_(options) {}

  bool may_run(Nanos now) const { return now >= quarantined_until_; }
  void success();
  // Records a failure; returns true when this failure put the policy in quarantine.
  bool failure(Nanos now, std::string message);

  bool quarantined(Nanos now) const { return !may_run(now); }
  Nanos quarantined_until() const { return quarantined_until_; }
  int consecutive_failures() const { return consecutive_failures_; }
  int quarantines() const { return quarantines_; }
  const std::string& last_error() const { return last_error_; }

 private:
  HealthOptions options_;
  int consecutive_failures_ = 0;
  int quarantines_in_a_row_ = 0;
  int quarantines_ = 0;
  Nanos quarantined_until_ = 0;
  std::string last_error_;
};

}  // namespace setpoint::bindings

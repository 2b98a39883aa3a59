#pragma once
// Alerts into the store, for ctx:incidents and the weekly triage: a policy's ctx:alert, its
// errors and quarantines, and the autopilot's own alerts. The same alert again from the same
// source within ten minutes is counted on its row rather than written anew, so a policy that
// alerts on every run leaves one row an episode, not one a run. Engine thread only.
#include <map>
#include <string>

#include "setpoint/audit/audit_store.hpp"

namespace setpoint::runner {

class AlertRecorder {
 public:
  explicit AlertRecorder(AuditStore* store) : store_(store) {}

  // False when the store refused it (the caller counts the failure).
  bool record(const std::string& source, const std::string& kind, const std::string& message,
              Nanos now);

 private:
  struct Seen {
    std::int64_t id = 0;
    Nanos last = 0;
  };
  static constexpr Nanos kRepeatWindow = 10 * 60 * kNanosPerSecond;
  static constexpr std::size_t kMaxRemembered = 1000;

  AuditStore* store_;
  std::map<std::string, Seen> recent_;  // by source, kind and message
};

}  // namespace setpoint::runner

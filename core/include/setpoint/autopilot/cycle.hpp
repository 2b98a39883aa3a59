#pragma once
// One autopilot cycle: a scheduled run of an autopilot policy, from the analysis it read to
// what became of its changes. Recorded in the store's autopilot_cycles table as it goes.
#include <optional>
#include <string>
#include <string_view>

#include "setpoint/base/clock.hpp"

namespace setpoint::autopilot {

enum class CycleStatus {
  kRunning,     // evaluated; its changes are being applied and validated
  kCompleted,   // every change applied and validated (or none proposed)
  kFailed,      // the policy errored, timed out or proposed garbage; or the store refused
  kTimedOut,    // past max_duration before its validations ended: unfinished changes undone
  kRolledBack,  // a change of the cycle was rolled back (a validation or the impact check)
  kSkipped,     // due while autopilot was paused or turned off: not run
};

std::string_view status_name(CycleStatus status);
std::optional<CycleStatus> parse_status(std::string_view text);
// A cycle that counts as failed for the drift monitor.
inline bool failed(CycleStatus s) {
  return s == CycleStatus::kFailed || s == CycleStatus::kTimedOut;
}

struct Cycle {
  std::string id;  // "<policy>@<UTC start>", unique per policy run
  std::string policy;
  Nanos started_at = 0;
  Nanos completed_at = 0;  // 0 while running
  CycleStatus status = CycleStatus::kRunning;
  std::string analysis = "{}";          // JSON: what the policy read (its evidence)
  std::string proposed_changes = "[]";  // JSON: the proposals, with expected and confidence
  std::string outcome = "{}";           // JSON: the decisions and what became of them
  std::string error;                    // why it failed, timed out or was skipped
};

}  // namespace setpoint::autopilot

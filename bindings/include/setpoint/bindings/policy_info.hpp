#pragma once
// What a policy file says about itself, checked: the table it returns must have
//   evaluate  a function (required)
//   name      a string (default: the file's name)
//   every     an interval like "5s" (default "10s"), or
//   schedule  "daily HH:MM" or "weekly <day> HH:MM" (UTC) instead of every
//   params    the parameters it may set: a list of strings (default: none)
//   actions   the named actions it may ask for: a list of strings (default: none)
//   autopilot a table: each scheduled run is an autopilot cycle, on `schedule` or else
//             config's autopilot.schedule: max_duration (the cycle, its validations
//             included; default config's autopilot.max_duration), verify "24h" (when
//             its impact is measured, over the same hours before and after), worse_by 0.1
//             (the expected stat may get this much worse before the change is rolled back),
//             error_floor 0.05 (the prediction error's denominator for small predictions)
//   triage    true, or a table { window = "7d" }: a triage policy looks back over the record
//             (ctx:period gives its window, from 1h to 90d) and writes a report (ctx:report);
//             it runs on `schedule` (default "weekly sun 02:00"), and on demand
// A policy can touch only what it declares here and what config grants it.
#include <optional>
#include <string>
#include <vector>

#include "setpoint/bindings/policy_state.hpp"

namespace setpoint::bindings {

struct AutopilotInfo {
  std::optional<Nanos> max_duration;  // none: config's autopilot.max_duration
  Nanos verify = 24 * 3600 * kNanosPerSecond;
  double worse_by = 0.10;
  double error_floor = 0.05;
  bool operator==(const AutopilotInfo&) const = default;
};

struct TriageInfo {
  Nanos window = 7 * 24 * 3600 * kNanosPerSecond;
  bool operator==(const TriageInfo&) const = default;
};

struct PolicyInfo {
  std::string name;
  Nanos every = 10 * kNanosPerSecond;
  std::string schedule;  // empty: runs every `every`
  std::vector<std::string> params;
  std::vector<std::string> actions;
  std::optional<AutopilotInfo> autopilot;
  std::optional<TriageInfo> triage;
};

// Reads the loaded module of `state`; every problem found is appended to `problems`.
std::optional<PolicyInfo> read_policy_info(PolicyState& state, const std::string& default_name,
                                           std::vector<std::string>& problems);

}  // namespace setpoint::bindings

#pragma once
// What the store keeps for looking back: alerts (a policy's ctx:alert, a policy's errors and
// quarantines, the autopilot's own), and the weekly triage reports (the seed's triage_reports
// columns first). Plain values, written by the engine, read by ctx:incidents, /v1/triage and
// `setpoint triage`.
#include <cstdint>
#include <string>

#include "setpoint/base/clock.hpp"

namespace setpoint {

// One alert, or a run of the same alert: a source repeating the same message is one row whose
// count grows and whose last_at moves (a policy alerting every 2 s is not 300,000 rows a week).
struct AlertRow {
  std::int64_t id = 0;
  Nanos at = 0;        // first seen
  Nanos last_at = 0;   // last seen
  std::string source;  // the policy, or "autopilot", "engine"
  std::string kind;    // alert, policy_error, quarantine, or the autopilot's kind (frozen…)
  std::string message;
  std::int64_t count = 1;
};

struct TriageReportRow {
  std::string id;  // report_id: "<policy>@<UTC time>"
  Nanos generated_at = 0;
  Nanos period_start = 0, period_end = 0;  // analysis_period_start, analysis_period_end
  std::string failure_categories = "{}";   // JSON: the policy's categories
  std::string patch_suggestions = "[]";    // JSON: the bounds patches it proposed, as decided
  std::string github_issues = "[]";        // JSON: the seed's column; nothing files issues
  std::string policy;
  std::string trigger;        // "schedule", or "operator:<name>" for a run on demand
  std::string report = "{}";  // JSON: the whole report as /v1/triage serves it
};

}  // namespace setpoint

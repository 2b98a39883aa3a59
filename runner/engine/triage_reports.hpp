#pragma once
// A triage run's report as the store keeps it and /v1/triage serves it: the policy's own
// document (summary, categories, worst incidents), with what the engine knows beside it — the
// window, who asked, the bounds patches it proposed as the pipeline decided them, and the
// decision behind each of its worst incidents.
#include <string>
#include <vector>

#include "setpoint/audit/audit_store.hpp"
#include "setpoint/audit/decision.hpp"

namespace setpoint::runner {

struct TriageRun {
  std::string policy;
  std::string trigger;  // "schedule", or "operator:<name>"
  Nanos from = 0, to = 0;
};

// The row for a run: `report` is the policy's ctx:report (JSON), `decisions` what the pipeline
// made of its proposals this run. Reads the decisions its worst incidents name.
TriageReportRow triage_row(const AuditStore& store, const TriageRun& run, const std::string& report,
                           const std::vector<Decision>& decisions);

}  // namespace setpoint::runner

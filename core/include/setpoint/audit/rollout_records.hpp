#pragma once
// What the store keeps of each rollout: one row of canary_deployments, written whole at every
// look and every move, with the seed's columns (canary_id, cycle_id, started_at, completed_at,
// traffic_percentage, control_metrics, canary_metrics, statistical_significance,
// recommendation) and ours beside them. Plain values: core/canary's Rollout turns into and out
// of this in the engine.
#include <cstdint>
#include <string>

#include "setpoint/base/clock.hpp"

namespace setpoint {

struct RolloutRow {
  std::string id;     // canary_id: "<parameter>@<UTC start>"
  std::string cycle;  // cycle_id: the autopilot cycle that proposed it ("" when none)
  Nanos started_at = 0;
  Nanos completed_at = 0;               // 0 while it runs
  double traffic_percentage = 0;        // the canary's weight now
  std::string control_metrics = "{}";   // JSON: each KPI's figures on the baseline side
  std::string canary_metrics = "{}";    // JSON: on the canary side
  double statistical_significance = 1;  // the smallest always-valid p-value among the KPIs
  std::string recommendation;           // the last verdict: continue, pass, fail, inconclusive
  std::string parameter;
  std::int64_t decision = 0;  // the decision whose change it rolls out
  double baseline_value = 0, canary_value = 0;
  std::int64_t step = 0;         // 0-based
  std::string status;            // running, held, promoted, rolled_back
  std::string reason;            // the last verdict's sentence, or why it ended
  std::string state = "{}";      // JSON: the rollout's own state (Rollout::state_json)
  std::string last_look = "{}";  // JSON: the last look's figures
  Nanos updated_at = 0;
};

}  // namespace setpoint

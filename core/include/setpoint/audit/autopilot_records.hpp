#pragma once
// What the store keeps of the autopilot, as rows: cycles, operating bounds, the impact of
// each change, and the drift monitor's events. Plain values: the autopilot's own types
// (core/autopilot) turn into and out of these in the engine.
#include <cstdint>
#include <string>

#include "setpoint/base/clock.hpp"

namespace setpoint {

struct CycleRow {
  std::string id;
  std::string policy;
  Nanos started_at = 0;
  Nanos completed_at = 0;
  std::string status;  // running, completed, failed, timed_out, rolled_back, skipped
  std::string analysis = "{}";
  std::string proposed_changes = "[]";
  std::string outcome = "{}";
  std::string error;
};

struct BoundsRow {
  std::string name;
  double min = 0, max = 0, current = 0;
  std::int64_t stability_days = 0;  // whole days since the range was last adjusted
  std::int64_t rollback_count = 0;  // within the monitoring window
  bool frozen = false;
  Nanos last_updated = 0;
  std::string state;           // JSON: the operating bounds, whole (OperatingBounds::to_json)
  std::string bounds_history;  // JSON: every adjustment, oldest first
};

struct ImpactRow {
  std::int64_t decision = 0;  // the change measured
  std::string cycle;
  std::string target;
  std::string series, stat;
  double before = 0, after = 0;  // NaN: no data
  double predicted = 0, actual = 0, error = 0;
  bool worse = false;  // rolled back for it
  Nanos checked_at = 0;
  std::string detail;  // what was done, or why nothing could be measured
};

// A drift event of the autopilot's (kind: prediction_error_high, rollback_rate_high,
// consecutive_failures, store_unwritable) beside the actuators' ("actuator").
struct DriftEventRow {
  std::int64_t id = 0;
  Nanos at = 0;
  std::string kind;
  std::string target;   // what it concerns ("autopilot" for the monitor's trips)
  std::string detail;   // a sentence
  std::string metrics;  // JSON: the figures that tripped it
  std::string action;   // JSON: what was done (the pause, the bounds contracted)
  Nanos resolved_at = 0;
};

}  // namespace setpoint

#pragma once
// What /metrics shows, counted where it happens. The engine's counters are written by the
// engine thread only; ingest counts arrive from the ingest threads under a lock. render()
// writes the Prometheus text exposition format (checked with `promtool check metrics`).
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "setpoint/history/hourly_flush.hpp"
#include "setpoint/telemetry/ingest.hpp"

namespace setpoint::runner {

// Ingest counts from every source, summed; safe from any thread.
class IngestTotals {
 public:
  void add(const IngestCounts& delta);
  IngestCounts get() const;

 private:
  mutable std::mutex mutex_;
  IngestCounts counts_;
};

struct EngineMetrics {
  struct PolicyCounts {
    std::uint64_t evaluations = 0, errors = 0, skipped = 0;
    double seconds = 0;  // time spent evaluating
    bool quarantined = false;
    std::uint64_t shadow_evaluations = 0, shadow_divergences = 0;  // of its shadow versions
    bool shadowing = false;                                        // one runs beside it now
  };
  std::map<std::string, PolicyCounts> policies;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t>
      decisions;                                                         // policy, verdict, mode
  std::map<std::pair<std::string, std::string>, std::uint64_t> actions;  // action, reason
  std::map<std::string, std::uint64_t>
      results;  // what actuations came to: applied, failed, unknown, drift, rolled back
  std::map<std::string, double> parameters;  // current values
  std::uint64_t reloads_ok = 0, reloads_refused = 0;
  std::uint64_t ticks = 0;
  std::uint64_t series = 0;
  std::uint64_t cardinality_rejections = 0;
  std::uint64_t decision_log_failures = 0;      // lines engine.decision_log could not take
  std::uint64_t store_write_failures = 0;       // writes engine.state_path refused
  std::optional<history::FlushCounts> history;  // none: engine.history is off, or no store
  // The autopilot: cycles by status, drift events by kind, its pause and monitor's figures.
  std::map<std::string, std::uint64_t> autopilot_cycles, autopilot_drift_events;
  std::uint64_t autopilot_alerts = 0, autopilot_impacts = 0, autopilot_rollbacks = 0;
  bool autopilot_paused = false;
  // Rollouts: each rolled-out parameter's step (1-based; 0 with none in flight) and canary
  // weight, and the judge's verdicts by name.
  std::map<std::string, double> rollout_step, rollout_weight;
  std::map<std::string, std::uint64_t> rollout_verdicts, rollout_shadow_verdicts;
  double autopilot_prediction_error = 0, autopilot_rollback_rate = 0;

  // The engine's part, then the ingest counts.
  std::string render(const IngestCounts& ingest) const;
};

// A Prometheus label value, escaped (and made UTF-8, as the format requires).
std::string label_value(const std::string& value);
// Pieces of the text format: a family's HELP and TYPE lines, a sample, a label.
void metric_family(std::string& out, const char* name, const char* type, const char* help);
void metric_sample(std::string& out, const std::string& name, const std::string& labels,
                   double value);
std::string metric_label(const char* name, const std::string& value);

}  // namespace setpoint::runner

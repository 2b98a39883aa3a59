#include "engine/metrics.hpp"

#include <cmath>
#include <cstdio>

#include "setpoint/base/json_text.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {

void IngestTotals::add(const IngestCounts& delta) {
  std::lock_guard lock(mutex_);
  counts_.add(delta);
}

IngestCounts IngestTotals::get() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

std::string label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (const char c :
       utf8::repaired(value)) {  // the format is UTF-8: a byte that is not breaks a scrape
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace {

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::string text;
  json_text::append_number(text, value);  // the shortest text that reads back exactly
  return text;
}

}  // namespace

void metric_family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void metric_sample(std::string& out, const std::string& name, const std::string& labels,
                   double value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += number(value);
  out += '\n';
}

std::string metric_label(const char* name, const std::string& value) {
  return std::string(name) + "=\"" + label_value(value) + "\"";
}

std::string EngineMetrics::render(const IngestCounts& ingest) const {
  std::string out;
  metric_family(out, "setpoint_events_ingested_total", "counter",
                "Telemetry events accepted into windows.");
  metric_sample(out, "setpoint_events_ingested_total", "", static_cast<double>(ingest.accepted));
  metric_family(out, "setpoint_events_rejected_total", "counter",
                "Telemetry lines rejected, by reason.");
  for (std::size_t i = 0; i < kRejectionCount; ++i) {
    metric_sample(out, "setpoint_events_rejected_total",
                  metric_label("reason", std::string(name(static_cast<Rejection>(i)))),
                  static_cast<double>(ingest.rejected[i]));
  }
  metric_family(out, "setpoint_series", "gauge", "Series held in windows.");
  metric_sample(out, "setpoint_series", "", static_cast<double>(series));
  metric_family(out, "setpoint_series_rejected_total", "counter",
                "Events refused because the series cap was reached.");
  metric_sample(out, "setpoint_series_rejected_total", "",
                static_cast<double>(cardinality_rejections));
  metric_family(out, "setpoint_decision_log_write_failures_total", "counter",
                "Decision records the decision log (engine.decision_log) could not take.");
  metric_sample(out, "setpoint_decision_log_write_failures_total", "",
                static_cast<double>(decision_log_failures));
  metric_family(out, "setpoint_store_write_failures_total", "counter",
                "Writes the state store (engine.state_path) refused: decisions, results, state.");
  metric_sample(out, "setpoint_store_write_failures_total", "",
                static_cast<double>(store_write_failures));
  if (history) {
    metric_family(out, "setpoint_history_flushes_total", "counter",
                  "Hourly flushes: closed hours rolled up into kpi_hourly (engine.history).");
    metric_sample(out, "setpoint_history_flushes_total", "", static_cast<double>(history->hours));
    metric_family(out, "setpoint_history_rows_total", "counter",
                  "Series-hours written to kpi_hourly.");
    metric_sample(out, "setpoint_history_rows_total", "", static_cast<double>(history->rows));
    metric_family(out, "setpoint_history_series_dropped_total", "counter",
                  "Series-hours left out by engine.history.max_series.");
    metric_sample(out, "setpoint_history_series_dropped_total", "",
                  static_cast<double>(history->series_dropped));
    metric_family(out, "setpoint_history_write_failures_total", "counter",
                  "Hours the store refused (each is written again a minute later).");
    metric_sample(out, "setpoint_history_write_failures_total", "",
                  static_cast<double>(history->failures));
  }
  if (!rollout_step.empty()) {
    metric_family(out, "setpoint_rollout_step", "gauge",
                  "The step a parameter's rollout is in (1-based), 0 with none in flight.");
    for (const auto& [parameter, step] : rollout_step)
      metric_sample(out, "setpoint_rollout_step", metric_label("parameter", parameter), step);
    metric_family(out, "setpoint_rollout_weight_percent", "gauge",
                  "The share of traffic on a rollout's canary, in percent.");
    for (const auto& [parameter, weight] : rollout_weight)
      metric_sample(out, "setpoint_rollout_weight_percent", metric_label("parameter", parameter),
                    weight);
    metric_family(out, "setpoint_rollout_verdicts_total", "counter",
                  "The canary judge's verdicts, by verdict (continue, pass, fail, inconclusive).");
    for (const auto& [verdict, n] : rollout_verdicts)
      metric_sample(out, "setpoint_rollout_verdicts_total", metric_label("verdict", verdict),
                    static_cast<double>(n));
    for (const auto& [verdict, n] : rollout_shadow_verdicts)
      metric_sample(out, "setpoint_rollout_verdicts_total",
                    metric_label("verdict", verdict) + "," + metric_label("shadow", "true"),
                    static_cast<double>(n));
  }
  metric_family(out, "setpoint_autopilot_paused", "gauge",
                "1 while the drift monitor holds autopilot cycles paused.");
  metric_sample(out, "setpoint_autopilot_paused", "", autopilot_paused ? 1 : 0);
  metric_family(out, "setpoint_autopilot_cycles_total", "counter",
                "Autopilot cycles ended, by status (completed, failed, timed_out, rolled_back, "
                "skipped).");
  for (const auto& [status, n] : autopilot_cycles)
    metric_sample(out, "setpoint_autopilot_cycles_total", metric_label("status", status),
                  static_cast<double>(n));
  metric_family(out, "setpoint_autopilot_drift_events_total", "counter",
                "Drift monitor trips, by kind.");
  for (const auto& [kind, n] : autopilot_drift_events)
    metric_sample(out, "setpoint_autopilot_drift_events_total", metric_label("kind", kind),
                  static_cast<double>(n));
  metric_family(out, "setpoint_autopilot_alerts_total", "counter",
                "Autopilot alerts: timeouts, failures, freezes, drift, a store it cannot write.");
  metric_sample(out, "setpoint_autopilot_alerts_total", "", static_cast<double>(autopilot_alerts));
  metric_family(out, "setpoint_autopilot_impacts_total", "counter",
                "Changes whose impact was measured against their prediction.");
  metric_sample(out, "setpoint_autopilot_impacts_total", "",
                static_cast<double>(autopilot_impacts));
  metric_family(out, "setpoint_autopilot_rollbacks_total", "counter",
                "Autopilot changes it rolled back (timeouts, impact checks).");
  metric_sample(out, "setpoint_autopilot_rollbacks_total", "",
                static_cast<double>(autopilot_rollbacks));
  metric_family(out, "setpoint_autopilot_prediction_error", "gauge",
                "Mean prediction error of measured changes over the monitoring window.");
  metric_sample(out, "setpoint_autopilot_prediction_error", "", autopilot_prediction_error);
  metric_family(out, "setpoint_autopilot_rollback_rate", "gauge",
                "Share of autopilot changes rolled back over the monitoring window.");
  metric_sample(out, "setpoint_autopilot_rollback_rate", "", autopilot_rollback_rate);
  metric_family(out, "setpoint_engine_ticks_total", "counter", "Passes of the engine loop.");
  metric_sample(out, "setpoint_engine_ticks_total", "", static_cast<double>(ticks));

  metric_family(out, "setpoint_policy_evaluations_total", "counter",
                "Policy evaluations, by policy.");
  for (const auto& [policy, c] : policies)
    metric_sample(out, "setpoint_policy_evaluations_total", metric_label("policy", policy),
                  static_cast<double>(c.evaluations));
  metric_family(out, "setpoint_policy_errors_total", "counter",
                "Failed policy evaluations (error, deadline, memory), by policy.");
  for (const auto& [policy, c] : policies)
    metric_sample(out, "setpoint_policy_errors_total", metric_label("policy", policy),
                  static_cast<double>(c.errors));
  metric_family(out, "setpoint_policy_skipped_total", "counter",
                "Runs skipped because the policy was overdue (not queued), by policy.");
  for (const auto& [policy, c] : policies)
    metric_sample(out, "setpoint_policy_skipped_total", metric_label("policy", policy),
                  static_cast<double>(c.skipped));
  metric_family(out, "setpoint_policy_evaluation_seconds", "summary",
                "Time spent in policy evaluations, by policy.");
  for (const auto& [policy, c] : policies) {
    metric_sample(out, "setpoint_policy_evaluation_seconds_sum", metric_label("policy", policy),
                  c.seconds);
    metric_sample(out, "setpoint_policy_evaluation_seconds_count", metric_label("policy", policy),
                  static_cast<double>(c.evaluations));
  }
  metric_family(out, "setpoint_policy_quarantined", "gauge",
                "1 while the policy is quarantined after repeated failures.");
  for (const auto& [policy, c] : policies)
    metric_sample(out, "setpoint_policy_quarantined", metric_label("policy", policy),
                  c.quarantined ? 1 : 0);
  metric_family(out, "setpoint_policy_shadowing", "gauge",
                "1 while a new version of the policy runs beside it as a shadow.");
  for (const auto& [policy, c] : policies)
    metric_sample(out, "setpoint_policy_shadowing", metric_label("policy", policy),
                  c.shadowing ? 1 : 0);
  metric_family(out, "setpoint_policy_shadow_evaluations_total", "counter",
                "Evaluations of shadow versions, by policy.");
  for (const auto& [policy, c] : policies)
    metric_sample(out, "setpoint_policy_shadow_evaluations_total", metric_label("policy", policy),
                  static_cast<double>(c.shadow_evaluations));
  metric_family(out, "setpoint_policy_shadow_divergences_total", "counter",
                "Targets on which a shadow version would have decided otherwise, by policy.");
  for (const auto& [policy, c] : policies)
    metric_sample(out, "setpoint_policy_shadow_divergences_total", metric_label("policy", policy),
                  static_cast<double>(c.shadow_divergences));

  metric_family(out, "setpoint_decisions_total", "counter",
                "Decisions on proposals, by policy, guard verdict and mode.");
  for (const auto& [key, n] : decisions) {
    const auto& [policy, verdict, mode] = key;
    metric_sample(out, "setpoint_decisions_total",
                  metric_label("policy", policy) + "," + metric_label("verdict", verdict) + "," +
                      metric_label("mode", mode),
                  static_cast<double>(n));
  }
  metric_family(out, "setpoint_actuations_total", "counter",
                "What actuations came to: applied, failed, unknown (timed out: counted as "
                "applied), drift, rolled back.");
  for (const auto& [result, n] : results)
    metric_sample(out, "setpoint_actuations_total", metric_label("result", result),
                  static_cast<double>(n));
  metric_family(out, "setpoint_actions_total", "counter",
                "Named actions proposed, by action and guard reason.");
  for (const auto& [key, n] : actions) {
    metric_sample(out, "setpoint_actions_total",
                  metric_label("action", key.first) + "," + metric_label("reason", key.second),
                  static_cast<double>(n));
  }
  metric_family(out, "setpoint_parameter_value", "gauge",
                "Each numeric parameter's current value (the shadow value in observe).");
  for (const auto& [param, value] : parameters)
    metric_sample(out, "setpoint_parameter_value", metric_label("parameter", param), value);
  metric_family(out, "setpoint_policy_reloads_total", "counter", "Policy file reloads, by result.");
  metric_sample(out, "setpoint_policy_reloads_total", metric_label("result", "ok"),
                static_cast<double>(reloads_ok));
  metric_sample(out, "setpoint_policy_reloads_total", metric_label("result", "refused"),
                static_cast<double>(reloads_refused));
  return out;
}

}  // namespace setpoint::runner

#include "engine_metrics.hpp"

#include <cstdio>

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
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

void family(std::string& out, const char* name, const char* type, const char* help) {
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

void sample(std::string& out, const std::string& name, const std::string& labels, double value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += number(value);
  out += '\n';
}

std::string label(const char* name, const std::string& value) { return std::string(name) + "=\"" + label_value(value) + "\""; }

}  // namespace

std::string EngineMetrics::render(const IngestCounts& ingest) const {
  std::string out;
  family(out, "setpoint_events_ingested_total", "counter", "Telemetry events accepted into windows.");
  sample(out, "setpoint_events_ingested_total", "", static_cast<double>(ingest.accepted));
  family(out, "setpoint_events_rejected_total", "counter", "Telemetry lines rejected, by reason.");
  for (std::size_t i = 0; i < kRejectionCount; ++i) {
    sample(out, "setpoint_events_rejected_total", label("reason", std::string(name(static_cast<Rejection>(i)))),
           static_cast<double>(ingest.rejected[i]));
  }
  family(out, "setpoint_series", "gauge", "Series held in windows.");
  sample(out, "setpoint_series", "", static_cast<double>(series));
  family(out, "setpoint_series_rejected_total", "counter", "Events refused because the series cap was reached.");
  sample(out, "setpoint_series_rejected_total", "", static_cast<double>(cardinality_rejections));
  family(out, "setpoint_engine_ticks_total", "counter", "Passes of the engine loop.");
  sample(out, "setpoint_engine_ticks_total", "", static_cast<double>(ticks));

  family(out, "setpoint_policy_evaluations_total", "counter", "Policy evaluations, by policy.");
  for (const auto& [policy, c] : policies) sample(out, "setpoint_policy_evaluations_total", label("policy", policy), static_cast<double>(c.evaluations));
  family(out, "setpoint_policy_errors_total", "counter", "Failed policy evaluations (error, deadline, memory), by policy.");
  for (const auto& [policy, c] : policies) sample(out, "setpoint_policy_errors_total", label("policy", policy), static_cast<double>(c.errors));
  family(out, "setpoint_policy_skipped_total", "counter", "Runs skipped because the policy was overdue (not queued), by policy.");
  for (const auto& [policy, c] : policies) sample(out, "setpoint_policy_skipped_total", label("policy", policy), static_cast<double>(c.skipped));
  family(out, "setpoint_policy_evaluation_seconds", "summary", "Time spent in policy evaluations, by policy.");
  for (const auto& [policy, c] : policies) {
    sample(out, "setpoint_policy_evaluation_seconds_sum", label("policy", policy), c.seconds);
    sample(out, "setpoint_policy_evaluation_seconds_count", label("policy", policy), static_cast<double>(c.evaluations));
  }
  family(out, "setpoint_policy_quarantined", "gauge", "1 while the policy is quarantined after repeated failures.");
  for (const auto& [policy, c] : policies) sample(out, "setpoint_policy_quarantined", label("policy", policy), c.quarantined ? 1 : 0);

  family(out, "setpoint_decisions_total", "counter", "Decisions on proposals, by policy, guard verdict and mode.");
  for (const auto& [key, n] : decisions) {
    const auto& [policy, verdict, mode] = key;
    sample(out, "setpoint_decisions_total", label("policy", policy) + "," + label("verdict", verdict) + "," + label("mode", mode),
           static_cast<double>(n));
  }
  family(out, "setpoint_actions_total", "counter", "Named actions proposed, by action and guard reason.");
  for (const auto& [key, n] : actions) {
    sample(out, "setpoint_actions_total", label("action", key.first) + "," + label("reason", key.second), static_cast<double>(n));
  }
  family(out, "setpoint_parameter_value", "gauge", "Each numeric parameter's current value (the shadow value in observe).");
  for (const auto& [param, value] : parameters) sample(out, "setpoint_parameter_value", label("parameter", param), value);
  family(out, "setpoint_policy_reloads_total", "counter", "Policy file reloads, by result.");
  sample(out, "setpoint_policy_reloads_total", label("result", "ok"), static_cast<double>(reloads_ok));
  sample(out, "setpoint_policy_reloads_total", label("result", "refused"), static_cast<double>(reloads_refused));
  return out;
}

}  // namespace setpoint::runner

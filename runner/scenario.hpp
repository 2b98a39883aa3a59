#pragma once
// A simulator scenario (YAML): the service's shape, its traffic and capacity over time, the
// Setpoint config and policies that control it, which parameter drives which knob, the SLO,
// and what the run must show.
//
//   name: capacity drops 40 % under AIMD
//   config: capacity_drop.setpoint.yaml      # relative to this file
//   step: 100ms                              # the model's time step
//   duration: 120s
//   service: { base_latency_ms: 50, timeout_ms: 1000, jitter: 0.25 }
//   arrivals: [{ at: 0s, rps: 840 }]         # piecewise constant
//   capacity: [{ at: 0s, rps: 1000 }, { at: 30s, rps: 600 }, { at: 80s, rps: 1000 }]
//   base_latency: [{ at: 0s, ms: 50 }]       # optional: the service's own latency over time
//   knobs: { concurrency_limit: checkout.max_concurrency }
//   slo: { p99_ms: 300 }
//   expect: { goodput_ratio_min: 0.9, converge_ticks_max: 5, amplitude_max: 0.1, p99_within_slo: true,
//             knob_over_p99: { min: 1.3, max: 1.7 } }
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "service_model.hpp"

namespace setpoint::runner {

// A piecewise-constant schedule's point: from `at` (since the start), `value`.
struct Point {
  Nanos at = 0;
  double value = 0;
};

struct Expectations {
  std::optional<double> goodput_ratio_min;
  std::optional<int> converge_ticks_max;
  std::optional<double> amplitude_max;  // of the knob after convergence, relative to its mean
  bool p99_within_slo = false;
  // The knob over the service's p99 after convergence (a timeout that follows p99 × 1.5).
  std::optional<double> knob_over_p99_min, knob_over_p99_max;
  // The guard at work: at least this many proposals blocked, by reason; at least this many
  // changes rolled back after they made things worse.
  std::map<std::string, int> blocked_min;
  int rollbacks_min = 0;
};

struct Scenario {
  std::string path;
  std::string name;
  std::string config;  // the Setpoint config, resolved against the scenario's folder
  Nanos step = 100 * kNanosPerMilli;
  Nanos duration = 60 * kNanosPerSecond;
  ServiceShape service;
  std::vector<Point> arrivals, capacity;  // requests a second
  std::vector<Point> base_latency;          // ms; empty: service.base_latency_ms throughout
  std::map<std::string, std::string> knobs;  // model knob (concurrency_limit, timeout_ms) → parameter
  double slo_p99_ms = 0;
  Expectations expect;

  // The value in force at `t` (since the start); `otherwise` before the first point.
  static double value_at(const std::vector<Point>& points, Nanos t, double otherwise = 0);
};

// The scenario in `path`, or "file:line:col: what is wrong".
std::variant<Scenario, std::string> load_scenario(const std::string& path);

}  // namespace setpoint::runner

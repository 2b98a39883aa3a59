#pragma once
// A simulator scenario (YAML): the service's shape, its traffic, capacity and failures over
// time, the Setpoint config and policies that control it, which parameter drives which knob,
// the SLO, and what the run must show. docs/simulator.md lists every key.
//
//   name: capacity drops 40 % under AIMD
//   config: capacity_drop.setpoint.yaml      # relative to this file
//   step: 10ms                               # the model's time step, at most the base latency
//   duration: 120s
//   service: { base_latency_ms: 50, timeout_ms: 1000, jitter: 0.25, max_attempts: 1,
//   critical_share: 0 } arrivals: [{ at: 0s, rps: 840 }]         # piecewise constant capacity: [{
//   at: 0s, rps: 1000 }, { at: 30s, rps: 600 }, { at: 80s, rps: 1000 }] base_latency: [{ at: 0s,
//   ms: 50 }]       # optional: the service's own latency over time error_rate: [{ at: 0s, ratio:
//   0.001 }]   # optional: the share its dependency fails error_noise: { amplitude: 0.01, period:
//   1s }   # optional: ± uniform, held for a period rules: [{ name: sqli, rate: [{ at: 0s, per_s:
//   20 }] }]   # optional: rules and their violations releases: { every: 20s }                 #
//   optional: a release train a freeze can hold knobs: { concurrency_limit:
//   checkout.max_concurrency } slo: { p99_ms: 300, availability: 0.999 } expect: {
//   goodput_ratio_min: 0.9, converge_ticks_max: 5, phases: [{ from: 30s, … }], … }
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "setpoint/base/result.hpp"
#include "simulator/service_model.hpp"

namespace setpoint::runner {

// The knob that switches a rule: rule_enabled.<rule>.
inline constexpr std::string_view kRuleKnob = "rule_enabled.";

// A piecewise-constant schedule's point: from `at` (since the start), `value`.
struct Point {
  Nanos at = 0;
  double value = 0;
};

// What a phase (a stretch where the schedules stay put) must show. Given at the top of
// `expect`, it holds for every phase after the first (the start is warm-up); under
// `expect.phases` for the phase that begins at `from`.
struct PhaseExpectations {
  std::optional<double> goodput_ratio_min;
  std::optional<int> converge_ticks_max;
  std::optional<int>
      recover_ticks_max;  // goodput back (to goodput_ratio_min), whatever the knob does
  std::optional<double> amplitude_max;  // of the knob after convergence, relative to its mean
  std::optional<bool> p99_within_slo;
  // The knob over the service's p99 after convergence (a timeout that follows p99 × 1.5).
  std::optional<double> knob_over_p99_min, knob_over_p99_max;
  std::optional<double> retry_ratio_max;  // the clients' retries over their new requests
  std::optional<double> critical_goodput_ratio_min;
  std::optional<double> critical_refused_max;  // critical requests shed or rejected, a share
  std::optional<double> low_shed_min;  // low-priority work shed, a share (the shedder works)
  std::optional<int> changes_min, changes_max;  // changes applied during the phase
};

struct Expectations {
  PhaseExpectations every_phase;
  std::map<Nanos, PhaseExpectations> phases;  // by the phase's start, every_phase's included
  // The guard at work: at least this many proposals blocked, by reason; at least this many
  // changes rolled back after they made things worse.
  std::map<std::string, int> blocked_min;
  int rollbacks_min = 0;
  std::optional<int> applied_max, proposals_max;  // "no action at all": 0
  // Rules: each rise of a rule's violations past 3× is met by disabling it within this many
  // ticks; disables of one rule at least `min_disable_gap` apart; each ends enabled.
  std::optional<int> rule_disable_ticks_max;
  std::optional<Nanos> rule_min_disable_gap;
  bool rules_end_enabled = false;
  // Releases: frozen within this many ticks of a fast burn; none released while it lasts;
  // released again within `unfrozen_within` of the burn rate falling.
  std::optional<int> freeze_ticks_max;
  std::optional<Nanos> unfrozen_within;
};

struct RuleShape {
  std::string name;
  std::vector<Point> rate;  // violations a second
};

struct Scenario {
  std::string path;
  std::string name;
  std::string config;                // the Setpoint config, resolved against the scenario's folder
  Nanos step = 10 * kNanosPerMilli;  // at most the service's base latency (see load_scenario)
  Nanos duration = 60 * kNanosPerSecond;
  ServiceShape service;
  std::vector<Point> arrivals, capacity;  // requests a second
  std::vector<Point> base_latency;        // ms; empty: service.base_latency_ms throughout
  std::vector<Point> error_rate;          // a share; empty: none
  double error_noise = 0;                 // ± uniform around error_rate, held for a period
  Nanos error_noise_period = kNanosPerSecond;
  std::vector<RuleShape> rules;
  Nanos release_every = 0;  // 0: no release train
  // Model knob → parameter: concurrency_limit, timeout_ms, retry_ratio, low_priority_admit,
  // fallback_share, degradation, release_frozen, rule_enabled.<rule>.
  std::map<std::string, std::string> knobs;
  double slo_p99_ms = 0;
  double slo_availability = 0;  // 0: no availability SLO
  double burn_factor = 14.4;    // a fast burn: the error rate over this many × (1 - availability)
  Nanos burn_window = 5 * 60 * kNanosPerSecond;  // ...over this window
  Expectations expect;

  // The value in force at `t` (since the start); `otherwise` before the first point.
  static double value_at(const std::vector<Point>& points, Nanos t, double otherwise = 0);
};

// The scenario in `path`, or "file:line:col: what is wrong".
Result<Scenario> load_scenario(const std::string& path);

}  // namespace setpoint::runner

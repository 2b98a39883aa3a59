#pragma once
// A canary scenario (YAML): a service whose latency depends on a parameter, its traffic split
// between the canary and the baseline by the rollout's weight, each cohort served at its own
// value, run second by second against the real engine until the rollout ends; many runs with
// different seeds for an A/A test of the judge. Told apart by its `canary_service` section
// (docs/simulator.md, "Canary scenarios").
//
//   name: a faster timeout is promoted
//   config: canary_good.setpoint.yaml
//   duration: 30m                    # each run's, at most 24h
//   runs: 1                          # A/A: 400 runs, seeds seed .. seed + runs - 1
//   seed: 1
//   canary_service:
//     metric: http
//     labels: { service: checkout }
//     knob: checkout.timeout_ms      # its actuator, canary and weight are inproc handles
//     rps: 200
//     latency: [{ value: 600, p50_ms: 250 }, { value: 800, p50_ms: 270 }]  # linear between
//     jitter: 0.3                    # the lognormal's sigma
//     error_rate: 0.01
//   expect: { outcome: promoted, ended_within: 25m, rolled_back_below_weight: 25,
//             false_rollback_rate_max: 0.05 }
#include <optional>
#include <string>
#include <vector>

#include "setpoint/base/result.hpp"
#include "setpoint/windows/series.hpp"

namespace setpoint::runner {

struct CanaryScenario {
  std::string path, name, config;
  Nanos duration = 30 * 60 * kNanosPerSecond;
  int runs = 1;
  std::uint64_t seed = 1;
  std::string metric = "http";
  Labels labels;
  std::string knob;
  double rps = 200;
  std::vector<std::pair<double, double>> latency;  // (value, p50 ms), by value
  double jitter = 0.3;
  double error_rate = 0.01;
  struct {
    std::optional<std::string> outcome;  // promoted, rolled_back or inconclusive (every run)
    std::optional<Nanos> ended_within;
    std::optional<double> rolled_back_below_weight;
    std::optional<double> false_rollback_rate_max;
  } expect;

  // The p50 at `value`: linear between the points, held outside them.
  double p50_at(double value) const;
};

bool is_canary_scenario(const std::string& path);
Result<CanaryScenario> load_canary_scenario(const std::string& path);

}  // namespace setpoint::runner

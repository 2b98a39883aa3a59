#pragma once
// What the bindings' tests evaluate policies against: inputs with one series
// (http.server{service=checkout}) and one parameter, on a manual clock.
#include "setpoint/bindings/policy_state.hpp"

namespace checkout_inputs {

using namespace setpoint;
using namespace setpoint::bindings;

// Inputs with one series (http.server{service=checkout}) and one parameter.
struct Fixture {
  ManualClock clock{Nanos{1'795'168'800} * kNanosPerSecond};
  OutcomeSet outcomes;
  WindowStats stats;
  PolicyInputs inputs;
  Fixture() {
    stats.count = 1200;
    stats.p99 = 412;
    stats.error_rate = 0.01;
    stats.rate_per_s = 20;
    stats.outcomes[OutcomeSet::kOk] = 1188;
    stats.outcomes[OutcomeSet::kError] = 12;
    inputs.outcomes = &outcomes;
    inputs.now = clock.wall();
    inputs.window = [this](const std::string& key, Nanos span) -> std::optional<WindowStats> {
      if (span <= 0 || span > 86400 * kNanosPerSecond) return std::nullopt;
      if (key == "http.server{service=checkout}") return stats;
      return WindowStats{};
    };
    inputs.param = [](std::string_view name) -> std::optional<ProposedValue> {
      if (name == "checkout.max_concurrency") return 100.0;
      return std::nullopt;
    };
  }
};

inline RunResult run(const std::string& source, Fixture& f, PolicyOutputs& out,
                     PolicyState* keep = nullptr) {
  PolicyState own("checkout-concurrency", {}, f.clock);
  PolicyState& state = keep ? *keep : own;
  const RunResult loaded = state.load(source, "checkout.lua");
  if (!loaded.ok()) return loaded;
  return state.evaluate(f.inputs, out);
}

}  // namespace checkout_inputs

// simulate_speedup: simulated seconds per wall-clock second of `setpoint simulate`, end to end
// (the binary loads the scenario and the seed policies, steps the model and the engine, prints
// the figures), on the longest scenario: 480 s of a fast error-budget burn.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness.hpp"

namespace setpoint::bench {

void simulate_benchmarks(Figures& figures) {
  if (!selected("simulate")) return;
  const std::string command = std::string(SETPOINT_BINARY) + " simulate " + SETPOINT_SOURCE_DIR +
                              "/examples/scenarios/error_budget_burn.yaml --json > /dev/null";
  constexpr double kSimulatedSeconds = 480;
  std::vector<double> speedups;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    if (std::system(command.c_str()) != 0) return;  // the scenario failed: no figure
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    speedups.push_back(kSimulatedSeconds / took.count());
  }
  figures.set("simulate_speedup", median(speedups));
}

}  // namespace setpoint::bench

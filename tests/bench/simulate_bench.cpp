// simulate_speedup: simulated seconds per wall-clock second of `setpoint simulate`, end to end
// (the binary loads the scenario and the seed policies, steps the model and the engine, prints
// the figures), on the longest scenario: 480 s of a fast error-budget burn. autopilot_30d_s:
// the wall seconds of the 30-day autopilot scenario, end to end, with its real store.
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

  const char* tmp = std::getenv("TMPDIR");
  const std::string state =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/setpoint-bench-autopilot.db";
  std::vector<double> seconds;
  for (int run = 0; run < 3; ++run) {
    for (const char* tail : {"", "-wal", "-shm"}) std::remove((state + tail).c_str());
    const std::string slow = std::string(SETPOINT_BINARY) + " simulate " + SETPOINT_SOURCE_DIR +
                             "/examples/scenarios/autopilot_30d.yaml --json --state " + state +
                             " > /dev/null 2>&1";
    const auto start = std::chrono::steady_clock::now();
    if (std::system(slow.c_str()) != 0) return;  // the scenario failed: no figure
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    seconds.push_back(took.count());
  }
  for (const char* tail : {"", "-wal", "-shm"}) std::remove((state + tail).c_str());
  figures.set("autopilot_30d_s", median(seconds));
}

}  // namespace setpoint::bench

// `make bench`: prints each figure as it is measured, then all of them as one JSON object on
// the last line.
#include <cstdio>

#include "harness.hpp"

int main() {
  setpoint::bench::Figures figures;
  setpoint::bench::core_benchmarks(figures);
  setpoint::bench::history_benchmarks(figures);
  setpoint::bench::guard_benchmarks(figures);
  setpoint::bench::stats_benchmarks(figures);
  setpoint::bench::bindings_benchmarks(figures);
  setpoint::bench::resilience_benchmarks(figures);
  setpoint::bench::control_plane_benchmarks(figures);
  setpoint::bench::dashboard_benchmarks(figures);
  setpoint::bench::replay_benchmarks(figures);
  setpoint::bench::simulate_benchmarks(figures);
  std::printf("%s\n", figures.json().c_str());
  return 0;
}

#pragma once
// A small timing harness: every figure is the median of several repetitions, because these
// machines are shared and one run says little. Figures go into one JSON object that main()
// prints as the last line.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace setpoint::bench {

// Keeps a value alive in the optimiser's eyes.
template <typename T>
inline void keep(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// True unless SETPOINT_BENCH names other groups (comma-separated), for profiling one group.
bool selected(const char* group);

double now_seconds();
double median(std::vector<double> samples);

// Runs `body` (which does `ops` operations) `repetitions` times; the median ns per operation.
double ns_per_op(std::uint64_t ops, int repetitions, const std::function<void()>& body);
// The median wall time in seconds of `repetitions` runs of `body`.
double seconds(int repetitions, const std::function<void()>& body);

class Figures {
 public:
  void set(const std::string& name, double value);
  double get(const std::string& name) const { return values_.at(name); }
  std::string json() const;

 private:
  std::map<std::string, double> values_;
};

// Each area of the code adds its figures here.
void core_benchmarks(Figures& figures);
void history_benchmarks(Figures& figures);
void guard_benchmarks(Figures& figures);
void stats_benchmarks(Figures& figures);
void bindings_benchmarks(Figures& figures);
void replay_benchmarks(Figures& figures);
void simulate_benchmarks(Figures& figures);
void resilience_benchmarks(Figures& figures);
void control_plane_benchmarks(Figures& figures);
void dashboard_benchmarks(Figures& figures);

}  // namespace setpoint::bench

#include "harness.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace setpoint::bench {

bool selected(const char* group) {
  const char* only = std::getenv("SETPOINT_BENCH");
  if (only == nullptr || *only == '\0') return true;
  const std::string list = std::string(",") + only + ",";
  return list.find(std::string(",") + group + ",") != std::string::npos;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

double ns_per_op(std::uint64_t ops, int repetitions, const std::function<void()>& body) {
  std::vector<double> samples;
  for (int r = 0; r < repetitions; ++r) {
    const double start = now_seconds();
    body();
    samples.push_back((now_seconds() - start) * 1e9 / static_cast<double>(ops));
  }
  return median(samples);
}

double seconds(int repetitions, const std::function<void()>& body) {
  std::vector<double> samples;
  for (int r = 0; r < repetitions; ++r) {
    const double start = now_seconds();
    body();
    samples.push_back(now_seconds() - start);
  }
  return median(samples);
}

void Figures::set(const std::string& name, double value) {
  // Three significant digits are all a noisy machine supports.
  const double rounded = value == 0 ? 0 : std::round(value * 1000) / 1000;
  values_[name] = rounded;
  std::fprintf(stdout, "%-28s %g\n", name.c_str(), rounded);
  std::fflush(stdout);
}

std::string Figures::json() const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [k, v] : values_) doc[k] = v;
  return doc.dump();
}

}  // namespace setpoint::bench

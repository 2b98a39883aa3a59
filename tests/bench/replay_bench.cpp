// replay_events_per_s: `setpoint replay --json` over generated telemetry with the quickstart's
// policies, end to end (the binary reads the file, ingests, ticks the engine on the events'
// clock, evaluates the policies and prints every decision), as the summary reports it.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "harness.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::bench {

namespace {

// 2,000,000 events over 1,000 s of event time: checkout and inventory, with an overload in
// the middle third so the policies have decisions to make.
void write_telemetry(const std::string& path) {
  std::ofstream out(path);
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(120.0), 0.3);
  std::uniform_real_distribution<double> unit(0, 1);
  const Nanos start = 1'795'168'800LL * kNanosPerSecond;
  constexpr int kEvents = 2'000'000;
  for (int i = 0; i < kEvents; ++i) {
    const Nanos t = start + static_cast<Nanos>(i) * 500'000;  // 2,000 a second
    const bool overload = i > kEvents / 3 && i < 2 * kEvents / 3;
    const bool checkout = (i & 1) == 0;
    const double ms = checkout ? latency(rng) * (overload ? 2.6 : 1) : latency(rng) / 10;
    const bool failed = unit(rng) < (overload ? 0.05 : 0.003);
    out << R"({"ts":")" << format_rfc3339(t) << R"(","metric":"http.server","labels":{"service":")"
        << (checkout ? "checkout" : "inventory") << R"("},"latency_ms":)"
        << std::round(ms * 100) / 100 << R"(,"outcome":")" << (failed ? "error" : "ok") << "\"}\n";
  }
}

}  // namespace

void replay_benchmarks(Figures& figures) {
  if (!selected("replay")) return;
  const std::string path = "/tmp/setpoint-bench-replay.jsonl";
  write_telemetry(path);
  const std::string command = std::string(SETPOINT_BINARY) + " replay --config " +
                              SETPOINT_SOURCE_DIR +
                              "/examples/quickstart/setpoint.yaml --telemetry " + path + " --json";
  std::vector<double> rates;
  std::uint64_t decisions = 0;
  for (int run = 0; run < 3; ++run) {
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return;
    std::string last, line;
    char buffer[1 << 16];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
      line += buffer;
      if (!line.empty() && line.back() == '\n') {
        last.swap(line);
        line.clear();
        ++decisions;
      }
    }
    ::pclose(pipe);
    const auto summary = nlohmann::json::parse(last, nullptr, false);
    if (summary.is_discarded() || !summary.contains("events_per_s")) return;
    rates.push_back(summary["events_per_s"].get<double>());
  }
  figures.set("replay_events_per_s", median(rates));
  figures.set("replay_decisions", static_cast<double>(decisions / 3 - 1));
  std::filesystem::remove(path);
}

}  // namespace setpoint::bench

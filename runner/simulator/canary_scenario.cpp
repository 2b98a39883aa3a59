#include "simulator/canary_scenario.hpp"

#include <filesystem>

#include "config/yaml_reader.hpp"
#include "simulator/scenario_file.hpp"

namespace setpoint::runner {
namespace {

void read_service(const YamlReader& r, const YAML::Node& n, CanaryScenario& s) {
  const std::string at = "canary_service";
  r.keys(n, at, {"metric", "labels", "knob", "rps", "latency", "jitter", "error_rate"});
  if (!n["knob"] || !n["latency"]) r.fail(n, at, "needs knob and latency");
  if (n["metric"]) s.metric = r.string(n["metric"], at + ".metric");
  if (n["labels"]) s.labels = read_labels(r, n["labels"], at + ".labels");
  s.knob = r.string(n["knob"], at + ".knob");
  if (n["rps"]) {
    s.rps = r.number(n["rps"], at + ".rps");
    if (!(s.rps > 0 && s.rps <= 100'000)) r.fail(n["rps"], at + ".rps", "must be in (0, 100000]");
  }
  const auto latency = n["latency"];
  if (!latency.IsSequence() || latency.size() == 0)
    r.fail(latency, at + ".latency", "expected a list of {value, p50_ms}");
  for (std::size_t i = 0; i < latency.size(); ++i) {
    const std::string p = at + ".latency[" + std::to_string(i) + "]";
    r.keys(latency[i], p, {"value", "p50_ms"});
    if (!latency[i]["value"] || !latency[i]["p50_ms"])
      r.fail(latency[i], p, "needs value and p50_ms");
    const double value = r.number(latency[i]["value"], p + ".value");
    const double ms = r.number(latency[i]["p50_ms"], p + ".p50_ms");
    if (!(ms > 0)) r.fail(latency[i]["p50_ms"], p + ".p50_ms", "must be positive");
    if (!s.latency.empty() && value <= s.latency.back().first)
      r.fail(latency[i]["value"], p + ".value", "must be above the value before");
    s.latency.emplace_back(value, ms);
  }
  if (n["jitter"]) {
    s.jitter = r.number(n["jitter"], at + ".jitter");
    if (!(s.jitter >= 0 && s.jitter <= 2)) r.fail(n["jitter"], at + ".jitter", "must be in [0, 2]");
  }
  if (n["error_rate"]) s.error_rate = r.share(n["error_rate"], at + ".error_rate", 1);
}

void read_expect(const YamlReader& r, const YAML::Node& e, CanaryScenario& s) {
  r.keys(e, "expect",
         {"outcome", "ended_within", "rolled_back_below_weight", "false_rollback_rate_max"});
  if (e["outcome"]) {
    const std::string o = r.string(e["outcome"], "expect.outcome");
    if (o != "promoted" && o != "rolled_back" && o != "inconclusive")
      r.fail(e["outcome"], "expect.outcome", "expected promoted, rolled_back or inconclusive");
    s.expect.outcome = o;
  }
  if (e["ended_within"])
    s.expect.ended_within = r.duration(e["ended_within"], "expect.ended_within");
  if (e["rolled_back_below_weight"])
    s.expect.rolled_back_below_weight =
        r.number(e["rolled_back_below_weight"], "expect.rolled_back_below_weight");
  if (e["false_rollback_rate_max"])
    s.expect.false_rollback_rate_max =
        r.share(e["false_rollback_rate_max"], "expect.false_rollback_rate_max", 1);
}

}  // namespace

double CanaryScenario::p50_at(double value) const {
  if (value <= latency.front().first) return latency.front().second;
  for (std::size_t i = 1; i < latency.size(); ++i) {
    if (value > latency[i].first) continue;
    const auto& [v0, m0] = latency[i - 1];
    const auto& [v1, m1] = latency[i];
    return m0 + (value - v0) / (v1 - v0) * (m1 - m0);
  }
  return latency.back().second;
}

bool is_canary_scenario(const std::string& path) { return has_section(path, "canary_service"); }

Result<CanaryScenario> load_canary_scenario(const std::string& path) {
  CanaryScenario s;
  s.path = path;
  const auto read = read_scenario_file(path, [&](const YamlReader& r, const YAML::Node& root) {
    r.keys(root, "(top level)",
           {"name", "config", "duration", "runs", "seed", "canary_service", "expect"});
    for (const char* required : {"name", "config", "canary_service"}) {
      if (!root[required]) r.fail(root, required, "is required");
    }
    s.name = r.string(root["name"], "name");
    s.config =
        (std::filesystem::path(path).parent_path() / r.string(root["config"], "config")).string();
    if (root["duration"]) s.duration = r.duration(root["duration"], "duration");
    if (s.duration < kNanosPerSecond || s.duration > 24 * 3600 * kNanosPerSecond)
      r.fail(root["duration"], "duration", "must be between 1s and 24h");
    if (root["runs"]) s.runs = static_cast<int>(r.integer(root["runs"], "runs", 1, 10'000));
    if (root["seed"])
      s.seed = static_cast<std::uint64_t>(r.integer(root["seed"], "seed", 0, 1'000'000'000));
    read_service(r, root["canary_service"], s);
    // Every request is drawn and recorded: a bound on the whole run's work, not each part's.
    const double requests = s.runs * s.rps * (static_cast<double>(s.duration) / kNanosPerSecond);
    if (requests > 2e9)
      r.fail(root, "(top level)",
             "runs x duration x rps is " + std::to_string(static_cast<long long>(requests)) +
                 " requests, more than the 2000000000 a simulation takes");
    if (root["expect"]) read_expect(r, root["expect"], s);
  });
  if (!read) return Error{read.error()};
  return s;
}

}  // namespace setpoint::runner

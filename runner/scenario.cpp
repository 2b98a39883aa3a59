#include "scenario.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "yaml_reader.hpp"

namespace setpoint::runner {
namespace {

std::vector<Point> read_points(const YamlReader& r, const YAML::Node& node, const std::string& path, const char* unit) {
  const std::string pair = std::string("{at, ") + unit + "}";
  if (!node.IsSequence() || node.size() == 0) r.fail(node, path, "expected a list of " + pair);
  std::vector<Point> points;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    r.keys(node[i], at, {"at", unit});
    if (!node[i]["at"] || !node[i][unit]) r.fail(node[i], at, "needs " + pair);
    Point p{r.duration(node[i]["at"], at + ".at"), r.number(node[i][unit], at + "." + unit)};
    if (p.value < 0) r.fail(node[i][unit], at + "." + unit, "cannot be negative");
    if (!points.empty() && p.at <= points.back().at) r.fail(node[i]["at"], at + ".at", "must come after the point before");
    if (points.empty() && p.at != 0) r.fail(node[i]["at"], at + ".at", "the first point is at 0s");
    points.push_back(p);
  }
  return points;
}

}  // namespace

double Scenario::value_at(const std::vector<Point>& points, Nanos t, double otherwise) {
  double value = otherwise;
  for (const auto& p : points) {
    if (p.at <= t) value = p.value;
  }
  return value;
}

std::variant<Scenario, std::string> load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return path + ": cannot read the scenario";
  std::stringstream text;
  text << in.rdbuf();
  Scenario s;
  s.path = path;
  try {
    const YAML::Node root = YAML::Load(text.str());
    YamlReader r(path);
    r.keys(root, "(top level)", {"name", "config", "step", "duration", "service", "arrivals", "capacity", "base_latency", "knobs", "slo", "expect"});
    for (const char* required : {"name", "config", "arrivals", "capacity", "knobs"}) {
      if (!root[required]) r.fail(root, required, "is required");
    }
    s.name = r.string(root["name"], "name");
    s.config = (std::filesystem::path(path).parent_path() / r.string(root["config"], "config")).string();
    if (root["step"]) s.step = r.duration(root["step"], "step");
    if (root["duration"]) s.duration = r.duration(root["duration"], "duration");
    if (s.step < kNanosPerMilli || s.step > kNanosPerSecond) r.fail(root["step"], "step", "must be between 1ms and 1s");
    if (s.duration < s.step || s.duration > 24 * 3600 * kNanosPerSecond) r.fail(root["duration"], "duration", "must be between a step and 24h");
    if (const auto n = root["service"]) {
      r.keys(n, "service", {"name", "base_latency_ms", "timeout_ms", "jitter"});
      if (n["name"]) s.service.name = r.string(n["name"], "service.name");
      if (n["base_latency_ms"]) s.service.base_latency_ms = r.number(n["base_latency_ms"], "service.base_latency_ms");
      if (n["timeout_ms"]) s.service.timeout_ms = r.number(n["timeout_ms"], "service.timeout_ms");
      if (n["jitter"]) s.service.jitter = r.number(n["jitter"], "service.jitter");
      if (!(s.service.base_latency_ms > 0) || !(s.service.timeout_ms > s.service.base_latency_ms) ||
          !(s.service.jitter > 0 && s.service.jitter <= 2)) {
        r.fail(n, "service", "needs 0 < base_latency_ms < timeout_ms and 0 < jitter <= 2 (the latency's lognormal sigma)");
      }
    }
    s.arrivals = read_points(r, root["arrivals"], "arrivals", "rps");
    s.capacity = read_points(r, root["capacity"], "capacity", "rps");
    if (root["base_latency"]) s.base_latency = read_points(r, root["base_latency"], "base_latency", "ms");
    r.keys(root["knobs"], "knobs", {"concurrency_limit", "timeout_ms"});
    for (const auto& entry : root["knobs"]) {
      const std::string knob = entry.first.as<std::string>();
      s.knobs[knob] = r.string(entry.second, "knobs." + knob);
    }
    if (const auto slo = root["slo"]) {
      r.keys(slo, "slo", {"p99_ms"});
      if (slo["p99_ms"]) s.slo_p99_ms = r.number(slo["p99_ms"], "slo.p99_ms");
    }
    if (const auto e = root["expect"]) {
      r.keys(e, "expect", {"goodput_ratio_min", "converge_ticks_max", "amplitude_max", "p99_within_slo", "knob_over_p99",
                           "blocked_min", "rollbacks_min"});
      if (const auto blocked = e["blocked_min"]) {
        if (!blocked.IsMap()) r.fail(blocked, "expect.blocked_min", "expected a mapping of guard reason: count");
        for (const auto& entry : blocked) {
          const std::string reason = entry.first.as<std::string>();
          s.expect.blocked_min[reason] = static_cast<int>(r.integer(entry.second, "expect.blocked_min." + reason, 1, 1'000'000));
        }
      }
      if (e["rollbacks_min"]) s.expect.rollbacks_min = static_cast<int>(r.integer(e["rollbacks_min"], "expect.rollbacks_min", 0, 1'000'000));
      if (const auto ratio = e["knob_over_p99"]) {
        r.keys(ratio, "expect.knob_over_p99", {"min", "max"});
        if (ratio["min"]) s.expect.knob_over_p99_min = r.number(ratio["min"], "expect.knob_over_p99.min");
        if (ratio["max"]) s.expect.knob_over_p99_max = r.number(ratio["max"], "expect.knob_over_p99.max");
      }
      if (e["goodput_ratio_min"]) s.expect.goodput_ratio_min = r.number(e["goodput_ratio_min"], "expect.goodput_ratio_min");
      if (e["converge_ticks_max"]) s.expect.converge_ticks_max = static_cast<int>(r.integer(e["converge_ticks_max"], "expect.converge_ticks_max", 0, 100'000));
      if (e["amplitude_max"]) s.expect.amplitude_max = r.number(e["amplitude_max"], "expect.amplitude_max");
      if (e["p99_within_slo"]) s.expect.p99_within_slo = r.boolean(e["p99_within_slo"], "expect.p99_within_slo");
      if (s.expect.p99_within_slo && s.slo_p99_ms <= 0) r.fail(e["p99_within_slo"], "expect.p99_within_slo", "needs slo.p99_ms");
    }
  } catch (const ConfigFault& fault) {
    return std::string(fault.what());
  } catch (const YAML::Exception& e) {
    return path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg;
  }
  return s;
}

}  // namespace setpoint::runner

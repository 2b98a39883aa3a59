#include "simulator/slow_scenario.hpp"

#include <filesystem>

#include "config/yaml_reader.hpp"
#include "simulator/scenario_file.hpp"

namespace setpoint::runner {
namespace {

constexpr Nanos kDay = 24 * 3600 * kNanosPerSecond;

double positive(const YamlReader& r, const YAML::Node& n, const std::string& path) {
  const double v = r.number(n, path);
  if (!(v >= 0)) r.fail(n, path, "cannot be negative");
  return v;
}

void read_service(const YamlReader& r, const YAML::Node& n, SlowScenario& s) {
  const std::string at = "slow_service";
  r.keys(n, at,
         {"metric", "labels", "knob", "best", "p99_ms", "curvature", "seasonality",
          "requests_per_step", "response_change", "bad_change"});
  if (!n["knob"] || !n["best"]) r.fail(n, at, "needs knob and best");
  if (n["metric"]) s.metric = r.string(n["metric"], at + ".metric");
  if (n["labels"]) s.labels = read_labels(r, n["labels"], at + ".labels");
  s.knob = r.string(n["knob"], at + ".knob");
  const auto best = n["best"];
  if (!best.IsSequence() || best.size() == 0)
    r.fail(best, at + ".best", "expected a list of {at, value}");
  for (std::size_t i = 0; i < best.size(); ++i) {
    const std::string p = at + ".best[" + std::to_string(i) + "]";
    r.keys(best[i], p, {"at", "value"});
    if (!best[i]["at"] || !best[i]["value"]) r.fail(best[i], p, "needs at and value");
    Point point{r.duration(best[i]["at"], p + ".at"), r.number(best[i]["value"], p + ".value")};
    if (!(point.value > 0)) r.fail(best[i]["value"], p + ".value", "must be positive");
    if (!s.best.empty() && point.at <= s.best.back().at)
      r.fail(best[i]["at"], p + ".at", "must come after the point before");
    s.best.push_back(point);
  }
  if (n["p99_ms"]) s.p99_ms = positive(r, n["p99_ms"], at + ".p99_ms");
  if (n["curvature"]) s.curvature = positive(r, n["curvature"], at + ".curvature");
  if (n["seasonality"]) {
    s.seasonality = positive(r, n["seasonality"], at + ".seasonality");
    if (s.seasonality >= 1) r.fail(n["seasonality"], at + ".seasonality", "must be below 1");
  }
  if (n["requests_per_step"])
    s.requests_per_step =
        static_cast<int>(r.integer(n["requests_per_step"], at + ".requests_per_step", 1, 100'000));
  if (const auto c = n["response_change"]) {
    r.keys(c, at + ".response_change", {"from", "to", "tilt"});
    if (!c["from"] || !c["to"] || !c["tilt"])
      r.fail(c, at + ".response_change", "needs from, to and tilt");
    s.tilt_from = r.duration(c["from"], at + ".response_change.from");
    s.tilt_to = r.duration(c["to"], at + ".response_change.to");
    s.tilt = r.number(c["tilt"], at + ".response_change.tilt");
    if (s.tilt_to <= s.tilt_from)
      r.fail(c["to"], at + ".response_change.to", "must come after from");
  }
  if (const auto b = n["bad_change"]) {
    r.keys(b, at + ".bad_change", {"day", "factor"});
    if (!b["day"]) r.fail(b, at + ".bad_change", "needs day: the day whose change is bad");
    s.bad_day = static_cast<int>(r.integer(b["day"], at + ".bad_change.day", 0, 400));
    if (b["factor"]) s.bad_factor = positive(r, b["factor"], at + ".bad_change.factor");
  }
}

void read_expect(const YamlReader& r, const YAML::Node& e, SlowScenario& s) {
  r.keys(e, "expect", {"cycles", "rollbacks_min", "bounds_widen", "first_drift_pause_within"});
  if (e["cycles"])
    s.expect.cycles = static_cast<int>(r.integer(e["cycles"], "expect.cycles", 0, 100'000));
  if (e["rollbacks_min"])
    s.expect.rollbacks_min =
        static_cast<int>(r.integer(e["rollbacks_min"], "expect.rollbacks_min", 0, 100'000));
  if (e["bounds_widen"])
    s.expect.bounds_widen = r.boolean(e["bounds_widen"], "expect.bounds_widen");
  if (const auto w = e["first_drift_pause_within"]) {
    const std::string at = "expect.first_drift_pause_within";
    if (!w.IsSequence() || w.size() != 2) r.fail(w, at, "expected [from, to], like [19d, 26d]");
    s.expect.first_drift_pause_within = {r.duration(w[0], at + "[0]"),
                                         r.duration(w[1], at + "[1]")};
  }
}

}  // namespace

double SlowScenario::best_at(Nanos t) const {
  if (t <= best.front().at) return best.front().value;
  for (std::size_t i = 1; i < best.size(); ++i) {
    if (t > best[i].at) continue;
    const double f = static_cast<double>(t - best[i - 1].at) / (best[i].at - best[i - 1].at);
    return best[i - 1].value + f * (best[i].value - best[i - 1].value);
  }
  return best.back().value;
}

bool is_slow_scenario(const std::string& path) { return has_section(path, "slow_service"); }

Result<SlowScenario> load_slow_scenario(const std::string& path) {
  SlowScenario s;
  s.path = path;
  const auto read = read_scenario_file(path, [&](const YamlReader& r, const YAML::Node& root) {
    r.keys(root, "(top level)", {"name", "config", "step", "duration", "slow_service", "expect"});
    for (const char* required : {"name", "config", "slow_service"}) {
      if (!root[required]) r.fail(root, required, "is required");
    }
    s.name = r.string(root["name"], "name");
    s.config =
        (std::filesystem::path(path).parent_path() / r.string(root["config"], "config")).string();
    if (root["step"]) s.step = r.duration(root["step"], "step");
    if (root["duration"]) s.duration = r.duration(root["duration"], "duration");
    if (s.step < 10 * kNanosPerSecond || s.step > 3600 * kNanosPerSecond)
      r.fail(root["step"], "step", "must be between 10s and 1h");
    if (s.duration < s.step || s.duration > 400 * kDay)
      r.fail(root["duration"], "duration", "must be between a step and 400d");
    read_service(r, root["slow_service"], s);
    if (root["expect"]) read_expect(r, root["expect"], s);
  });
  if (!read) return Error{read.error()};
  return s;
}

}  // namespace setpoint::runner

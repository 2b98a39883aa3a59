#include "config/rollout_config.hpp"

#include "config/effects_config.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/windows/series.hpp"

namespace setpoint::runner {
namespace {

canary::Kpi read_kpi(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  r.keys(node, path,
         {"series", "stat", "critical", "floor", "min_samples", "higher_is_worse", "unit"});
  if (!node["series"] || !node["stat"]) r.fail(node, path, "a KPI needs a series and a stat");
  canary::Kpi kpi;
  kpi.series = r.string(node["series"], path + ".series");
  const auto parsed = parse_series_key(kpi.series);
  if (!parsed || parsed->first.empty())
    r.fail(node["series"], path + ".series",
           "expected a series like http{service=checkout} (or http{} for one without labels)");
  kpi.series = series_key(parsed->first, parsed->second);  // its labels in canonical order
  if (auto set = canary::set_stat(kpi, r.string(node["stat"], path + ".stat")); !set)
    r.fail(node["stat"], path + ".stat", set.error());
  if (node["critical"]) kpi.critical = r.boolean(node["critical"], path + ".critical");
  if (node["floor"]) kpi.floor = r.share(node["floor"], path + ".floor", 1);
  if (node["min_samples"])
    kpi.min_samples = static_cast<std::uint64_t>(
        r.integer(node["min_samples"], path + ".min_samples", 1, 1'000'000'000));
  if (node["higher_is_worse"])
    kpi.higher_is_worse = r.boolean(node["higher_is_worse"], path + ".higher_is_worse");
  if (node["unit"]) kpi.unit = r.string(node["unit"], path + ".unit");
  return kpi;
}

}  // namespace

RolloutConfig read_rollout(const YamlReader& r, const YAML::Node& node, const std::string& path,
                           const ParameterSpec& parameter, Nanos tick, Nanos horizon) {
  r.keys(node, path,
         {"steps", "step_duration", "interval", "false_rollback_rate", "on_inconclusive",
          "cohort_label", "canary", "weight", "kpis"});
  if (!parameter.numeric()) r.fail(node, path, "a rollout needs a numeric parameter");
  if (parameter.verification)
    r.fail(node, path, "a parameter is verified or rolled out, not both: the rollout judges it");
  RolloutConfig c;
  auto& plan = c.plan;
  if (node["steps"]) {
    const YAML::Node steps = node["steps"];
    if (!steps.IsSequence() || steps.size() == 0 || steps.size() > 20)
      r.fail(steps, path + ".steps", "expected a list of 1 to 20 percents, like [5, 25, 100]");
    plan.steps.clear();
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const std::string at = path + ".steps[" + std::to_string(i) + "]";
      const bool percent =
          steps[i].IsScalar() && !steps[i].Scalar().empty() && steps[i].Scalar().back() == '%';
      plan.steps.push_back(percent ? 100 * r.share(steps[i], at, 1) : r.number(steps[i], at));
    }
  }
  if (node["step_duration"])
    plan.step_duration = r.duration(node["step_duration"], path + ".step_duration");
  if (node["interval"]) plan.interval = r.duration(node["interval"], path + ".interval");
  // Looks happen once a tick at most: a shorter interval would stretch every step.
  if (plan.interval < tick)
    r.fail(node["interval"] ? node["interval"] : node, path + ".interval",
           "is shorter than engine.tick (" + format_duration(tick) +
               "): the judge looks once a tick at most");
  if (plan.step_duration > horizon)
    r.fail(node["step_duration"] ? node["step_duration"] : node, path + ".step_duration",
           "is longer than the longest window (" + format_duration(horizon) + ")");
  if (node["false_rollback_rate"]) {
    plan.judge.false_rollback_rate =
        r.share(node["false_rollback_rate"], path + ".false_rollback_rate", 0.5);
  }
  if (node["on_inconclusive"]) {
    const std::string what = r.string(node["on_inconclusive"], path + ".on_inconclusive");
    if (what != "rollback" && what != "hold")
      r.fail(node["on_inconclusive"], path + ".on_inconclusive", "expected rollback or hold");
    plan.hold_when_inconclusive = what == "hold";
  }
  if (node["cohort_label"]) c.cohort_label = r.string(node["cohort_label"], path + ".cohort_label");
  if (c.cohort_label.empty()) r.fail(node["cohort_label"], path + ".cohort_label", "is empty");
  if (!node["canary"] || !node["weight"])
    r.fail(node, path,
           "needs canary: and weight: actuators (where the canary's value and its share of "
           "traffic go)");
  c.canary = read_actuator(r, node["canary"], path + ".canary", {});
  c.weight = read_actuator(r, node["weight"], path + ".weight", {});
  if (c.canary.type == "file" && c.weight.type == "file" && same_file(c.canary.path, c.weight.path))
    r.fail(node["weight"], path + ".weight",
           "writes the same file as rollout.canary: each file actuator keeps that file's "
           "versions and would undo the other's writes; give each its own file");
  const YAML::Node kpis = node["kpis"];
  if (!kpis || !kpis.IsSequence() || kpis.size() == 0 || kpis.size() > 20)
    r.fail(kpis ? kpis : node, path + ".kpis", "needs kpis: a list of 1 to 20 KPIs");
  for (std::size_t i = 0; i < kpis.size(); ++i) {
    const std::string at = path + ".kpis[" + std::to_string(i) + "]";
    canary::Kpi kpi = read_kpi(r, kpis[i], at);
    const auto labels = parse_series_key(kpi.series);  // read back: it parsed above
    for (const auto& [label, _] : labels->second) {
      if (label == c.cohort_label)
        r.fail(kpis[i]["series"], at + ".series",
               "names the cohort label " + c.cohort_label + ": the judge adds it for each side");
    }
    plan.judge.kpis.push_back(std::move(kpi));
  }
  if (auto checked = plan.check(); !checked) {
    // At the key the problem is about, not the section's first line.
    const std::string& why = checked.error();
    for (const char* key : {"steps", "step_duration", "interval", "false_rollback_rate", "kpis"}) {
      if (why.rfind(key, 0) == 0 && node[key]) r.fail(node[key], path + "." + key, why);
    }
    r.fail(node, path, why);
  }
  // In doubles: step_duration × steps overflowed 64 bits for 53375d steps.
  if (static_cast<double>(plan.step_duration) * plan.judged_steps() > static_cast<double>(horizon))
    r.fail(node, path,
           "the judged steps last more than the longest window (" + format_duration(horizon) +
               "), which the judge reads from the start");
  return c;
}

}  // namespace setpoint::runner

#include "simulator/scenario.hpp"

#include <algorithm>
#include <filesystem>

#include "config/yaml_reader.hpp"
#include "setpoint/base/regular_file.hpp"

namespace setpoint::runner {
namespace {

std::vector<Point> read_points(const YamlReader& r, const YAML::Node& node, const std::string& path,
                               const char* unit) {
  const std::string pair = std::string("{at, ") + unit + "}";
  if (!node.IsSequence() || node.size() == 0) r.fail(node, path, "expected a list of " + pair);
  std::vector<Point> points;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    r.keys(node[i], at, {"at", unit});
    if (!node[i]["at"] || !node[i][unit]) r.fail(node[i], at, "needs " + pair);
    Point p{r.duration(node[i]["at"], at + ".at"), r.number(node[i][unit], at + "." + unit)};
    if (p.value < 0) r.fail(node[i][unit], at + "." + unit, "cannot be negative");
    if (!points.empty() && p.at <= points.back().at)
      r.fail(node[i]["at"], at + ".at", "must come after the point before");
    if (points.empty() && p.at != 0) r.fail(node[i]["at"], at + ".at", "the first point is at 0s");
    points.push_back(p);
  }
  return points;
}

// A phase's expectations: `base` with what `e` says over it.
PhaseExpectations read_phase(const YamlReader& r, const YAML::Node& e, const std::string& path,
                             PhaseExpectations base = {}) {
  PhaseExpectations p = std::move(base);
  const auto at = [&](const char* key) { return path + "." + key; };
  if (e["goodput_ratio_min"])
    p.goodput_ratio_min = r.number(e["goodput_ratio_min"], at("goodput_ratio_min"));
  if (e["converge_ticks_max"])
    p.converge_ticks_max =
        static_cast<int>(r.integer(e["converge_ticks_max"], at("converge_ticks_max"), 0, 100'000));
  if (e["recover_ticks_max"])
    p.recover_ticks_max =
        static_cast<int>(r.integer(e["recover_ticks_max"], at("recover_ticks_max"), 0, 100'000));
  if (e["amplitude_max"]) p.amplitude_max = r.number(e["amplitude_max"], at("amplitude_max"));
  if (e["p99_within_slo"]) p.p99_within_slo = r.boolean(e["p99_within_slo"], at("p99_within_slo"));
  if (const auto ratio = e["knob_over_p99"]) {
    r.keys(ratio, at("knob_over_p99"), {"min", "max"});
    if (ratio["min"]) p.knob_over_p99_min = r.number(ratio["min"], at("knob_over_p99.min"));
    if (ratio["max"]) p.knob_over_p99_max = r.number(ratio["max"], at("knob_over_p99.max"));
  }
  if (e["retry_ratio_max"])
    p.retry_ratio_max = r.number(e["retry_ratio_max"], at("retry_ratio_max"));
  if (e["critical_goodput_ratio_min"])
    p.critical_goodput_ratio_min =
        r.number(e["critical_goodput_ratio_min"], at("critical_goodput_ratio_min"));
  if (e["critical_refused_max"])
    p.critical_refused_max = r.number(e["critical_refused_max"], at("critical_refused_max"));
  if (e["low_shed_min"]) p.low_shed_min = r.number(e["low_shed_min"], at("low_shed_min"));
  if (e["changes_min"])
    p.changes_min = static_cast<int>(r.integer(e["changes_min"], at("changes_min"), 0, 1'000'000));
  if (e["changes_max"])
    p.changes_max = static_cast<int>(r.integer(e["changes_max"], at("changes_max"), 0, 1'000'000));
  return p;
}

// The keys of a phase's expectations, followed by `extra`.
std::vector<std::string> phase_keys(std::initializer_list<const char*> extra) {
  std::vector<std::string> keys{"goodput_ratio_min",    "converge_ticks_max",
                                "recover_ticks_max",    "amplitude_max",
                                "p99_within_slo",       "knob_over_p99",
                                "retry_ratio_max",      "critical_goodput_ratio_min",
                                "critical_refused_max", "low_shed_min",
                                "changes_min",          "changes_max"};
  keys.insert(keys.end(), extra.begin(), extra.end());
  return keys;
}

Expectations read_expectations(const YamlReader& r, const YAML::Node& e) {
  r.keys(e, "expect",
         phase_keys({"phases", "blocked_min", "rollbacks_min", "applied_max", "proposals_max",
                     "rules", "releases"}));
  Expectations x;
  x.every_phase = read_phase(r, e, "expect");
  if (const auto phases = e["phases"]) {
    if (!phases.IsSequence())
      r.fail(phases, "expect.phases", "expected a list of { from, expectations }");
    for (std::size_t i = 0; i < phases.size(); ++i) {
      const std::string at = "expect.phases[" + std::to_string(i) + "]";
      r.keys(phases[i], at, phase_keys({"from"}));
      if (!phases[i]["from"]) r.fail(phases[i], at, "needs from: the phase's start");
      x.phases[r.duration(phases[i]["from"], at + ".from")] =
          read_phase(r, phases[i], at, x.every_phase);
    }
  }
  if (const auto blocked = e["blocked_min"]) {
    if (!blocked.IsMap())
      r.fail(blocked, "expect.blocked_min", "expected a mapping of guard reason: count");
    for (const auto& entry : blocked) {
      const std::string reason = entry.first.as<std::string>();
      x.blocked_min[reason] =
          static_cast<int>(r.integer(entry.second, "expect.blocked_min." + reason, 1, 1'000'000));
    }
  }
  if (e["rollbacks_min"])
    x.rollbacks_min =
        static_cast<int>(r.integer(e["rollbacks_min"], "expect.rollbacks_min", 0, 1'000'000));
  if (e["applied_max"])
    x.applied_max =
        static_cast<int>(r.integer(e["applied_max"], "expect.applied_max", 0, 1'000'000));
  if (e["proposals_max"])
    x.proposals_max =
        static_cast<int>(r.integer(e["proposals_max"], "expect.proposals_max", 0, 1'000'000));
  if (const auto rules = e["rules"]) {
    r.keys(rules, "expect.rules", {"disable_within_ticks", "min_disable_gap", "end_enabled"});
    if (rules["disable_within_ticks"])
      x.rule_disable_ticks_max = static_cast<int>(r.integer(
          rules["disable_within_ticks"], "expect.rules.disable_within_ticks", 0, 100'000));
    if (rules["min_disable_gap"])
      x.rule_min_disable_gap = r.duration(rules["min_disable_gap"], "expect.rules.min_disable_gap");
    if (rules["end_enabled"])
      x.rules_end_enabled = r.boolean(rules["end_enabled"], "expect.rules.end_enabled");
  }
  if (const auto releases = e["releases"]) {
    r.keys(releases, "expect.releases", {"frozen_within_ticks", "unfrozen_within"});
    if (releases["frozen_within_ticks"])
      x.freeze_ticks_max = static_cast<int>(r.integer(
          releases["frozen_within_ticks"], "expect.releases.frozen_within_ticks", 0, 100'000));
    if (releases["unfrozen_within"])
      x.unfrozen_within =
          r.duration(releases["unfrozen_within"], "expect.releases.unfrozen_within");
  }
  return x;
}

void read_service(const YamlReader& r, const YAML::Node& n, ServiceShape& service) {
  r.keys(n, "service",
         {"name", "base_latency_ms", "timeout_ms", "jitter", "max_attempts", "critical_share"});
  if (n["name"]) service.name = r.string(n["name"], "service.name");
  if (n["base_latency_ms"])
    service.base_latency_ms = r.number(n["base_latency_ms"], "service.base_latency_ms");
  if (n["timeout_ms"]) service.timeout_ms = r.number(n["timeout_ms"], "service.timeout_ms");
  if (n["jitter"]) service.jitter = r.number(n["jitter"], "service.jitter");
  if (n["max_attempts"])
    service.max_attempts =
        static_cast<int>(r.integer(n["max_attempts"], "service.max_attempts", 1, 10));
  if (n["critical_share"])
    service.critical_share = r.number(n["critical_share"], "service.critical_share");
  if (!(service.base_latency_ms > 0) || !(service.timeout_ms > service.base_latency_ms) ||
      !(service.jitter > 0 && service.jitter <= 2)) {
    r.fail(n, "service",
           "needs 0 < base_latency_ms < timeout_ms and 0 < jitter <= 2 (the latency's lognormal "
           "sigma)");
  }
  if (!(service.critical_share >= 0 && service.critical_share < 1))
    r.fail(n["critical_share"], "service.critical_share", "must be in [0, 1)");
}

std::vector<RuleShape> read_rules(const YamlReader& r, const YAML::Node& node) {
  if (!node.IsSequence() || node.size() == 0)
    r.fail(node, "rules", "expected a list of { name, rate }");
  std::vector<RuleShape> rules;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string at = "rules[" + std::to_string(i) + "]";
    r.keys(node[i], at, {"name", "rate"});
    if (!node[i]["name"] || !node[i]["rate"]) r.fail(node[i], at, "needs name and rate");
    rules.push_back({r.string(node[i]["name"], at + ".name"),
                     read_points(r, node[i]["rate"], at + ".rate", "per_s")});
  }
  return rules;
}

constexpr const char* kKnobs[] = {"concurrency_limit",  "timeout_ms",     "retry_ratio",
                                  "low_priority_admit", "fallback_share", "degradation",
                                  "release_frozen"};

void read_knobs(const YamlReader& r, const YAML::Node& node, Scenario& s) {
  if (!node.IsMap()) r.fail(node, "knobs", "expected a mapping of model knob: parameter");
  for (const auto& entry : node) {
    const std::string knob = entry.first.as<std::string>();
    bool known = std::find(std::begin(kKnobs), std::end(kKnobs), knob) != std::end(kKnobs);
    if (knob.starts_with(kRuleKnob)) {
      const std::string rule = knob.substr(kRuleKnob.size());
      known = std::any_of(s.rules.begin(), s.rules.end(),
                          [&](const RuleShape& x) { return x.name == rule; });
      if (!known) r.fail(entry.first, "knobs." + knob, "names no rule of the scenario's rules");
    }
    if (!known)
      r.fail(entry.first, "knobs",
             "unknown key \"" + knob +
                 "\" (known: concurrency_limit, timeout_ms, retry_ratio, low_priority_admit, "
                 "fallback_share, degradation, release_frozen, rule_enabled.<rule>)");
    s.knobs[knob] = r.string(entry.second, "knobs." + knob);
  }
  if (s.knobs.count("release_frozen") && s.release_every == 0)
    r.fail(node, "knobs.release_frozen", "needs releases: { every: … }");
}

}  // namespace

double Scenario::value_at(const std::vector<Point>& points, Nanos t, double otherwise) {
  double value = otherwise;
  for (const auto& p : points) {
    if (p.at <= t) value = p.value;
  }
  return value;
}

Result<Scenario> load_scenario(const std::string& path) {
  const auto text = read_regular_file(path, kMaxConfigBytes);
  if (!text) return Error{text.error()};
  Scenario s;
  s.path = path;
  try {
    YamlReader r(path);
    const YAML::Node root = r.load(*text);
    r.keys(root, "(top level)",
           {"name", "config", "step", "duration", "service", "arrivals", "capacity", "base_latency",
            "error_rate", "error_noise", "rules", "releases", "knobs", "slo", "expect"});
    for (const char* required : {"name", "config", "arrivals", "capacity", "knobs"}) {
      if (!root[required]) r.fail(root, required, "is required");
    }
    s.name = r.string(root["name"], "name");
    s.config =
        (std::filesystem::path(path).parent_path() / r.string(root["config"], "config")).string();
    if (root["step"]) s.step = r.duration(root["step"], "step");
    if (root["duration"]) s.duration = r.duration(root["duration"], "duration");
    if (s.step < kNanosPerMilli || s.step > kNanosPerSecond)
      r.fail(root["step"], "step", "must be between 1ms and 1s");
    if (s.duration < s.step || s.duration > 24 * 3600 * kNanosPerSecond)
      r.fail(root["duration"], "duration", "must be between a step and 24h");
    if (root["service"]) read_service(r, root["service"], s.service);
    s.arrivals = read_points(r, root["arrivals"], "arrivals", "rps");
    s.capacity = read_points(r, root["capacity"], "capacity", "rps");
    if (root["base_latency"])
      s.base_latency = read_points(r, root["base_latency"], "base_latency", "ms");
    // A step's arrivals count as in flight together: a step longer than a request takes would
    // show latency that is not there (at 840/s, a 100 ms step holds 84 requests where 42 are).
    double fastest_ms = s.service.base_latency_ms;
    for (const auto& p : s.base_latency) fastest_ms = std::min(fastest_ms, p.value);
    if (static_cast<double>(s.step) > fastest_ms * kNanosPerMilli) {
      r.fail(root["step"] ? root["step"] : root, "step",
             "must be at most the service's base latency (" +
                 std::to_string(static_cast<int>(fastest_ms)) + " ms)");
    }
    if (root["error_rate"]) {
      s.error_rate = read_points(r, root["error_rate"], "error_rate", "ratio");
      for (std::size_t i = 0; i < s.error_rate.size(); ++i) {
        if (s.error_rate[i].value > 1)
          r.fail(root["error_rate"][i]["ratio"], "error_rate[" + std::to_string(i) + "].ratio",
                 "is a share: at most 1");
      }
    }
    if (const auto noise = root["error_noise"]) {
      r.keys(noise, "error_noise", {"amplitude", "period"});
      if (noise["amplitude"]) s.error_noise = r.number(noise["amplitude"], "error_noise.amplitude");
      if (noise["period"]) s.error_noise_period = r.duration(noise["period"], "error_noise.period");
      if (!(s.error_noise >= 0 && s.error_noise <= 1))
        r.fail(noise["amplitude"], "error_noise.amplitude", "must be in [0, 1]");
      if (s.error_noise_period < s.step)
        r.fail(noise["period"], "error_noise.period", "must be at least a step");
    }
    if (root["rules"]) s.rules = read_rules(r, root["rules"]);
    if (const auto releases = root["releases"]) {
      r.keys(releases, "releases", {"every"});
      if (!releases["every"])
        r.fail(releases, "releases", "needs every: the time between releases");
      s.release_every = r.duration(releases["every"], "releases.every");
      if (s.release_every < s.step)
        r.fail(releases["every"], "releases.every", "must be at least a step");
    }
    read_knobs(r, root["knobs"], s);
    if (const auto slo = root["slo"]) {
      r.keys(slo, "slo", {"p99_ms", "availability", "burn_factor", "burn_window"});
      if (slo["p99_ms"]) s.slo_p99_ms = r.number(slo["p99_ms"], "slo.p99_ms");
      if (slo["availability"])
        s.slo_availability = r.number(slo["availability"], "slo.availability");
      if (slo["burn_factor"]) s.burn_factor = r.number(slo["burn_factor"], "slo.burn_factor");
      if (slo["burn_window"]) s.burn_window = r.duration(slo["burn_window"], "slo.burn_window");
      if (!(s.slo_availability >= 0 && s.slo_availability < 1))
        r.fail(slo["availability"], "slo.availability", "must be in [0, 1), as 0.999");
      if (!(s.burn_factor > 0)) r.fail(slo["burn_factor"], "slo.burn_factor", "must be positive");
    }
    if (const auto e = root["expect"]) {
      s.expect = read_expectations(r, e);
      bool wants_slo = s.expect.every_phase.p99_within_slo.value_or(false);
      for (const auto& [from, p] : s.expect.phases)
        wants_slo = wants_slo || p.p99_within_slo.value_or(false);
      if (wants_slo && s.slo_p99_ms <= 0) r.fail(e, "expect.p99_within_slo", "needs slo.p99_ms");
      if ((s.expect.freeze_ticks_max || s.expect.unfrozen_within) &&
          (s.slo_availability <= 0 || s.release_every == 0)) {
        r.fail(e["releases"], "expect.releases", "needs slo.availability and releases");
      }
    }
  } catch (const ConfigFault& fault) {
    return Error{std::string(fault.what())};
  } catch (const YAML::Exception& e) {
    return Error{path + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  return s;
}

}  // namespace setpoint::runner

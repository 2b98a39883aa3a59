#include "simulate_command.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "engine.hpp"
#include "scenario.hpp"
#include "setpoint/timestamp.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

constexpr Nanos kStart = 1'795'168'800LL * kNanosPerSecond;  // 2026-11-20T10:00:00Z

// One model step, as the figures need it.
struct Sample {
  Nanos t;
  double offered, capacity, goodput, p99_ms, knob;
};

// A change the engine applied, from its decision record.
struct Applied {
  Nanos at;
  std::string target;
  double from, to;
};

// Changes inside a cooldown: consecutive applied changes of a parameter in one direction
// closer together than that direction's cooldown. The guard must make this 0.
int changes_inside_cooldown(const std::vector<Applied>& applied, const Guard& guard) {
  int inside = 0;
  std::map<std::pair<std::string, bool>, Nanos> last;
  for (const auto& a : applied) {
    const ParameterSpec* spec = guard.parameter(a.target);
    const bool up = a.to > a.from;
    const Nanos cooldown = spec == nullptr ? 0 : (up ? spec->up.cooldown : spec->down.cooldown);
    const auto key = std::make_pair(a.target, up);
    if (const auto it = last.find(key); it != last.end() && a.at - it->second < cooldown) ++inside;
    last[key] = a.at;
  }
  return inside;
}

// The p99 of a lognormal with this mean and sigma: what the step's completions look like.
double p99_of(double mean_ms, double sigma) { return mean_ms * std::exp(2.326 * sigma - sigma * sigma / 2); }

// The figures of one phase (a stretch where arrivals and capacity stay put).
json phase_figures(const Scenario& s, const std::vector<Sample>& samples, Nanos from, Nanos to, Nanos tick) {
  std::vector<Sample> in;
  for (const auto& x : samples) {
    if (x.t >= from && x.t < to) in.push_back(x);
  }
  json out{{"from_s", static_cast<double>(from) / kNanosPerSecond}, {"to_s", static_cast<double>(to) / kNanosPerSecond}};
  if (in.empty()) return out;
  out["offered_rps"] = in.front().offered;
  out["capacity_rps"] = in.front().capacity;
  // Converged from the first step after which every step serves ≥ 90 % of what could be
  // served, within the SLO, with the knob settled: within 10 % of where it ends up (its mean
  // over the phase's second half).
  double settled = 0;
  for (std::size_t i = in.size() / 2; i < in.size(); ++i) settled += in[i].knob;
  settled /= static_cast<double>(in.size() - in.size() / 2);
  const auto good = [&](const Sample& x) {
    const double servable = std::min(x.offered, x.capacity);
    return x.goodput >= 0.9 * servable && (s.slo_p99_ms <= 0 || x.p99_ms <= s.slo_p99_ms) &&
           std::abs(x.knob - settled) <= 0.1 * settled;
  };
  std::size_t converged = in.size();
  for (std::size_t i = in.size(); i-- > 0 && good(in[i]);) converged = i;
  const bool ok = converged < in.size();
  out["converged"] = ok;
  out["converge_ticks"] = ok ? json((in[converged].t - from + tick - 1) / tick) : json(nullptr);
  // After convergence (or over the phase's second half, if it never converged).
  const std::size_t first = ok ? converged : in.size() / 2;
  double goodput = 0, servable = 0, p99 = 0, p99_sum = 0, lo = 1e300, hi = -1e300, sum = 0;
  int changes = 0, direction = 0;
  for (std::size_t i = first; i < in.size(); ++i) {
    goodput += in[i].goodput;
    servable += std::min(in[i].offered, in[i].capacity);
    p99 = std::max(p99, in[i].p99_ms);
    p99_sum += in[i].p99_ms;
    lo = std::min(lo, in[i].knob);
    hi = std::max(hi, in[i].knob);
    sum += in[i].knob;
    if (i > first && in[i].knob != in[i - 1].knob) {
      const int d = in[i].knob > in[i - 1].knob ? 1 : -1;
      if (direction != 0 && d != direction) ++changes;
      direction = d;
    }
  }
  const double n = static_cast<double>(in.size() - first);
  out["goodput_ratio"] = servable > 0 ? goodput / servable : 1.0;
  out["p99_ms"] = p99;
  out["knob_min"] = lo;
  out["knob_max"] = hi;
  // Half the peak-to-peak swing, relative to the mean: the usual amplitude.
  out["amplitude"] = sum > 0 ? (hi - lo) / 2 / (sum / n) : 0.0;
  out["knob_over_p99"] = p99_sum > 0 ? sum / p99_sum : 0.0;
  out["direction_changes"] = changes;
  return out;
}

// The phases: the stretches between changes of arrivals, capacity or the service's latency.
json all_phases(const Scenario& s, const std::vector<Sample>& samples, Nanos tick) {
  std::set<Nanos> cuts{0, s.duration};
  for (const auto& p : s.arrivals) cuts.insert(p.at);
  for (const auto& p : s.capacity) cuts.insert(p.at);
  for (const auto& p : s.base_latency) cuts.insert(p.at);
  json phases = json::array();
  for (auto it = cuts.begin(); std::next(it) != cuts.end() && *it < s.duration; ++it) {
    phases.push_back(phase_figures(s, samples, *it, std::min(*std::next(it), s.duration), tick));
  }
  return phases;
}

void print_result(const json& r) {
  std::cout << r["scenario"].get<std::string>() << "\n";
  for (const auto& p : r["phases"]) {
    const std::string converged = p["converged"].get<bool>() ? "converged in " + p["converge_ticks"].dump() + " ticks" : "did not converge";
    std::printf("  %5.0f-%-5.0fs offered %6.0f/s capacity %6.0f/s: goodput %5.1f %% of servable, p99 %6.0f ms, %s, knob %g..%g\n",
                p["from_s"].get<double>(), p["to_s"].get<double>(), p.value("offered_rps", 0.0), p.value("capacity_rps", 0.0),
                p.value("goodput_ratio", 0.0) * 100, p.value("p99_ms", 0.0), converged.c_str(), p.value("knob_min", 0.0),
                p.value("knob_max", 0.0));
  }
  std::cout << "  actions applied: " << r["actions"]["applied"] << "; blocked: " << r["actions"]["blocked"].dump()
            << "; rolled back: " << r["actions"]["rolled_back"] << "\n";
  std::cout << "  invariant violations: " << r["invariant_violations"].dump() << "\n";
  for (const auto& f : r["failures"]) std::cout << "  NOT MET: " << f.get<std::string>() << "\n";
  if (r["failures"].empty()) std::cout << "  expectations met\n";
}

// The expectations hold for every phase after the first (the start, with empty windows, is
// warm-up): each capacity or load change must be met as the scenario says.
std::vector<std::string> check(const Scenario& s, const json& phases, const json& invariants) {
  std::vector<std::string> failures;
  for (const auto& p : phases) {
    if (p["from_s"].get<double>() == 0) continue;
    const std::string at = "phase from " + p["from_s"].dump() + " s";
    if (s.expect.goodput_ratio_min && p.value("goodput_ratio", 0.0) < *s.expect.goodput_ratio_min) {
      failures.push_back(at + ": goodput ratio " + p["goodput_ratio"].dump() + " < " + std::to_string(*s.expect.goodput_ratio_min));
    }
    if (s.expect.converge_ticks_max && (p["converge_ticks"].is_null() || p["converge_ticks"].get<int>() > *s.expect.converge_ticks_max)) {
      failures.push_back(at + ": converged in " + p["converge_ticks"].dump() + " ticks, more than " + std::to_string(*s.expect.converge_ticks_max));
    }
    if (s.expect.amplitude_max && p.value("amplitude", 0.0) > *s.expect.amplitude_max) {
      failures.push_back(at + ": oscillation amplitude " + p["amplitude"].dump() + " > " + std::to_string(*s.expect.amplitude_max));
    }
    const double ratio = p.value("knob_over_p99", 0.0);
    if ((s.expect.knob_over_p99_min && ratio < *s.expect.knob_over_p99_min) || (s.expect.knob_over_p99_max && ratio > *s.expect.knob_over_p99_max)) {
      failures.push_back(at + ": the knob is " + p["knob_over_p99"].dump() + " x p99, outside what the scenario expects");
    }
    if (s.expect.p99_within_slo && p.value("p99_ms", 0.0) > s.slo_p99_ms) {
      failures.push_back(at + ": p99 " + p["p99_ms"].dump() + " ms over the SLO of " + std::to_string(s.slo_p99_ms) + " ms");
    }
  }
  for (const auto& [name, n] : invariants.items()) {
    if (n.get<int>() != 0) failures.push_back("invariant violated " + n.dump() + " times: " + name);
  }
  return failures;
}

}  // namespace

int run_simulate(const SimulateArgs& args) {
  auto loaded = load_scenario(args.scenario);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    std::cerr << "setpoint simulate: " << *error << "\n";
    return 2;
  }
  const Scenario s = std::get<Scenario>(std::move(loaded));
  auto config_loaded = load_config(s.config);
  if (auto* error = std::get_if<ConfigError>(&config_loaded)) {
    std::cerr << "setpoint simulate: " << error->message << "\n";
    return 2;
  }
  Config config = std::get<Config>(std::move(config_loaded));
  config.telemetry.outcomes.add("rejected", true);  // the model's admission refusals
  // A scenario travels with its config: a relative policies folder is the config's neighbour.
  if (std::filesystem::path(config.policies.dir).is_relative()) {
    config.policies.dir = (std::filesystem::path(s.config).parent_path() / config.policies.dir).lexically_normal().string();
  }
  spdlog::set_level(spdlog::level::warn);

  ManualClock clock(kStart);
  SystemClock cpu;
  std::map<std::string, std::uint64_t> blocked;
  int rollbacks = 0;
  std::vector<Applied> applied;
  EngineOptions options;
  options.clock = &clock;
  options.cpu_clock = &cpu;
  options.persistent = false;
  options.publish = false;
  options.stdlib_dir = args.stdlib;
  options.on_decision = [&](const std::string& line) {
    const auto d = json::parse(line, nullptr, false);
    if (d.is_discarded()) return;
    const std::string outcome = d.value("outcome", "");
    if (outcome == "blocked") ++blocked[d.value("verdict_reason", "?")];
    if (outcome == "rolled back") ++rollbacks;
    if (outcome == "applied" && d.contains("current") && d.contains("value")) {
      applied.push_back({*parse_rfc3339(d["at"].get<std::string>()), d["target"], d["current"].get<double>(), d["value"].get<double>()});
    }
  };
  Engine engine(config, options);
  if (const std::string error = engine.start(); !error.empty()) {
    std::cerr << "setpoint simulate: " << error << "\n";
    return 1;
  }
  ServiceModel model(s.service, engine.aggregator(), 20261124);
  // Each knob is bound to its parameter's inproc handle; the first (by name) is the one the
  // figures follow.
  const ParameterSpec* knob_spec = nullptr;
  std::function<double()> knob_value;
  for (const auto& [knob, parameter] : s.knobs) {
    const ParameterSpec* spec = engine.guard().parameter(parameter);
    const auto actuator = config.actuators.find(parameter);
    if (spec == nullptr || actuator == config.actuators.end() || actuator->second.type != "inproc" || !spec->numeric()) {
      std::cerr << "setpoint simulate: " << s.path << ": knobs." << knob << ": " << parameter
                << " must be a numeric parameter of " << s.config << " with an inproc actuator\n";
      return 2;
    }
    std::function<double()> value;
    if (knob == "concurrency_limit") {
      engine.inproc().bind(spec->key, model.concurrency_limit());
      model.concurrency_limit().set(std::llround(spec->initial));
      value = [&model] { return static_cast<double>(model.concurrency_limit().get()); };
    } else {
      engine.inproc().bind(spec->key, model.timeout_ms());
      model.timeout_ms().set(spec->initial);
      value = [&model] { return model.timeout_ms().get(); };
    }
    if (knob_spec == nullptr) {
      knob_spec = spec;
      knob_value = value;
    }
  }
  engine.restart_schedules(kStart);

  std::vector<Sample> samples;
  int out_of_bounds = 0;
  for (Nanos t = 0; t < s.duration; t += s.step) {
    const double offered = Scenario::value_at(s.arrivals, t), capacity = Scenario::value_at(s.capacity, t);
    const double base_ms = Scenario::value_at(s.base_latency, t, s.service.base_latency_ms);
    const ServiceStep step = model.step(clock.wall(), s.step, offered, capacity, base_ms);
    const double knob = knob_value ? knob_value() : 0;
    if (knob_spec != nullptr && (knob < knob_spec->min || knob > knob_spec->max)) ++out_of_bounds;
    samples.push_back({t, offered, capacity, step.goodput, p99_of(step.latency_ms, s.service.jitter), knob});
    clock.advance(s.step);
    engine.tick();
  }
  engine.stop();

  const int inside_cooldown = changes_inside_cooldown(applied, engine.guard());

  const json phases = all_phases(s, samples, config.engine.tick);
  const json invariants{{"applied_out_of_bounds", out_of_bounds}, {"change_inside_cooldown", inside_cooldown}};
  auto failures = check(s, phases, invariants);
  for (const auto& [reason, least] : s.expect.blocked_min) {
    const auto it = blocked.find(reason);
    const auto n = it == blocked.end() ? 0 : it->second;
    if (n < static_cast<std::uint64_t>(least)) failures.push_back("blocked by " + reason + " " + std::to_string(n) + " times, fewer than " + std::to_string(least));
  }
  if (rollbacks < s.expect.rollbacks_min) {
    failures.push_back(std::to_string(rollbacks) + " rollbacks, fewer than " + std::to_string(s.expect.rollbacks_min));
  }
  const json result{{"scenario", s.name},
                    {"phases", phases},
                    {"actions", {{"applied", applied.size()}, {"blocked", blocked}, {"rolled_back", rollbacks}}},
                    {"invariant_violations", invariants},
                    {"expectations_met", failures.empty()},
                    {"failures", failures}};
  if (args.json) std::cout << result.dump() << "\n";
  else print_result(result);
  return failures.empty() ? 0 : 1;
}

}  // namespace setpoint::runner

#include "simulator/simulation.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>

#include "engine/engine.hpp"
#include "engine/temporary_file.hpp"
#include "setpoint/audit/decision.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "simulator/release_train.hpp"
#include "simulator/rule_set_model.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

constexpr Nanos kStart = 1'795'168'800LL * kNanosPerSecond;  // 2026-11-20T10:00:00Z
constexpr std::uint64_t kSeed = 20261124;

// The p99 of a lognormal with this mean and sigma: what the step's completions look like.
double p99_of(double mean_ms, double sigma) {
  return mean_ms * std::exp(2.326 * sigma - sigma * sigma / 2);
}

double number(const json& v) {
  return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>();
}

// A knob bound to its parameter: where the figures read it and what bounds it must keep.
struct Knob {
  std::string name;
  const ParameterSpec* spec = nullptr;
  std::function<double()> value;
};

// Everything the engine drives: the service, its rules, its release train.
struct World {
  ServiceModel service;
  RuleSetModel rules;
  ReleaseTrain releases;
  std::vector<Knob> knobs;
};

std::vector<std::string> rule_names(const Scenario& s) {
  std::vector<std::string> names;
  for (const auto& r : s.rules) names.push_back(r.name);
  return names;
}

// Binds the scenario's knob `knob` to `spec`'s inproc handle and starts it at the initial value.
std::string bind(Engine& engine, World& world, const std::string& knob, const ParameterSpec& spec) {
  const auto numeric = [&](Adaptive<double>& handle) {
    engine.inproc().bind(spec.key, handle);
    handle.set(spec.initial);
    return std::function<double()>([&handle] { return handle.get(); });
  };
  const auto integer = [&](Adaptive<long long>& handle) {
    engine.inproc().bind(spec.key, handle);
    handle.set(std::llround(spec.initial));
    return std::function<double()>([&handle] { return static_cast<double>(handle.get()); });
  };
  const auto boolean = [&](Adaptive<bool>& handle) {
    engine.inproc().bind(spec.key, handle);
    handle.set(spec.initial != 0);
    return std::function<double()>([&handle] { return handle.get() ? 1.0 : 0.0; });
  };
  const bool wants_bool = knob == "release_frozen" || knob.starts_with(kRuleKnob);
  const bool wants_int = knob == "concurrency_limit" || knob == "degradation";
  if (wants_bool != (spec.type == ParamType::kBool) ||
      (wants_int && spec.type != ParamType::kInt) || (!wants_bool && !spec.numeric())) {
    return std::string("must be ") +
           (wants_bool  ? "a bool"
            : wants_int ? "an int"
                        : "a numeric") +
           " parameter";
  }
  std::function<double()> value;
  if (knob == "concurrency_limit")
    value = integer(world.service.concurrency_limit());
  else if (knob == "degradation")
    value = integer(world.service.degradation());
  else if (knob == "timeout_ms")
    value = numeric(world.service.timeout_ms());
  else if (knob == "retry_ratio")
    value = numeric(world.service.retry_ratio());
  else if (knob == "low_priority_admit")
    value = numeric(world.service.low_priority_admit());
  else if (knob == "fallback_share")
    value = numeric(world.service.fallback_share());
  else if (knob == "release_frozen")
    value = boolean(world.releases.frozen());
  else
    value = boolean(*world.rules.enabled(knob.substr(kRuleKnob.size())));
  world.knobs.push_back({knob, &spec, value});
  return "";
}

// The error rate in force at `t`: the schedule's, plus noise held for a period.
class ErrorRate {
 public:
  explicit ErrorRate(const Scenario& s) : s_(s), rng_(kSeed + 1) {}
  double at(Nanos t) {
    const double base = Scenario::value_at(s_.error_rate, t);
    if (s_.error_noise <= 0) return base;
    if (const Nanos period = t / s_.error_noise_period; period != period_) {
      period_ = period;
      noise_ = std::uniform_real_distribution<double>(-s_.error_noise, s_.error_noise)(rng_);
    }
    return std::clamp(base + noise_, 0.0, 1.0);
  }

 private:
  const Scenario& s_;
  std::mt19937_64 rng_;
  Nanos period_ = -1;
  double noise_ = 0;
};

// The engine's decisions, as the trace counts them.
void count_decision(const std::string& line, Trace& trace) {
  const auto d = parse_own_json(line);
  if (!d.is_object()) return;
  using enum DecisionOutcome;
  const auto outcome = parse_outcome(d.value("outcome", ""));
  if (outcome == kIntent)
    return;  // an intent, written before the change is applied: its result follows
  if (d.value("policy", "") == "setpoint:status") {  // what end users were told: no change
    const std::string target = d.value("target", "");
    trace.status.push_back({*parse_rfc3339(d["at"].get<std::string>()) - kStart,
                            target.substr(target.find(':') + 1), d.value("proposed", "")});
    return;
  }
  if (outcome == kRolledBack) {
    ++trace.rollbacks;
    return;
  }
  ++trace.proposals;
  if (outcome == kBlocked) ++trace.blocked[d.value("verdict_reason", "?")];
  if (outcome == kApplied && d.contains("current") && d.contains("value")) {
    trace.applied.push_back({*parse_rfc3339(d["at"].get<std::string>()) - kStart, d["target"],
                             number(d["current"]), number(d["value"])});
  }
}

// Steps the world and the engine through the scenario, one model step at a time.
void run(const Scenario& s, Engine& engine, World& world, ManualClock& clock, Trace& trace) {
  ErrorRate errors(s);
  std::vector<double> rule_rates(s.rules.size());
  std::vector<bool> switches;
  for (const auto& k : world.knobs) switches.push_back(k.value() != 0);
  const double seconds = static_cast<double>(s.step) / kNanosPerSecond;
  for (Nanos t = 0; t < s.duration; t += s.step) {
    const Conditions c{Scenario::value_at(s.arrivals, t), Scenario::value_at(s.capacity, t),
                       Scenario::value_at(s.base_latency, t, s.service.base_latency_ms),
                       errors.at(t)};
    const ServiceStep step = world.service.step(clock.wall(), s.step, c);
    for (std::size_t i = 0; i < s.rules.size(); ++i)
      rule_rates[i] = Scenario::value_at(s.rules[i].rate, t);
    world.rules.step(clock.wall(), s.step, rule_rates);
    if (world.releases.step(t, s.step)) trace.releases.push_back(t);
    for (std::size_t i = 0; i < world.knobs.size(); ++i) {
      const Knob& k = world.knobs[i];
      const double v = k.value();
      if (k.spec->numeric() && (v < k.spec->min || v > k.spec->max)) ++trace.out_of_bounds;
      if (k.spec->type == ParamType::kBool && (v != 0) != switches[i]) {
        switches[i] = v != 0;
        const bool rule = k.name.starts_with(kRuleKnob);
        trace.switches.push_back(
            {t, rule ? k.name.substr(kRuleKnob.size()) : "releases", switches[i]});
      }
    }
    Sample x{t,
             c.arrivals,
             c.capacity,
             step.goodput,
             p99_of(step.latency_ms, s.service.jitter),
             world.knobs.empty() ? 0 : world.knobs.front().value()};
    x.retries = step.retries;
    x.critical_offered = step.critical_offered;
    x.critical_goodput = step.critical_goodput;
    x.critical_refused = step.critical_refused;
    x.low_offered = step.offered - step.critical_offered;
    x.shed = step.shed;
    x.requests = (step.completed + step.rejected + step.shed) * seconds;
    x.failures = (step.timed_out + step.errors + step.rejected + step.shed) * seconds;
    trace.samples.push_back(x);
    clock.advance(s.step);
    engine.tick();
  }
}

}  // namespace

int changes_inside_cooldown(const std::vector<Applied>& applied, const Guard& guard) {
  int inside = 0;
  std::map<std::string, Nanos> last;
  for (const auto& a : applied) {
    const ParameterSpec* spec = guard.parameter(a.target);
    const Nanos cooldown =
        spec == nullptr ? 0 : (a.to > a.from ? spec->up.cooldown : spec->down.cooldown);
    if (const auto it = last.find(a.target); it != last.end() && a.at - it->second < cooldown)
      ++inside;
    last[a.target] = a.at;
  }
  return inside;
}

Result<Trace> simulate(const Scenario& s, const SimulationOptions& options) {
  auto config_loaded = load_config(s.config);
  if (!config_loaded) return Error{config_loaded.error()};
  Config config = std::move(config_loaded).value();
  config.telemetry.outcomes.add("rejected", true);   // the model's admission refusals
  config.telemetry.outcomes.add("degraded", false);  // answered, from a cache or a fallback
  spdlog::set_level(spdlog::level::warn);

  ManualClock clock(kStart);
  SystemClock cpu;
  Trace trace;
  trace.tick = config.engine.tick;
  // The simulated days' hourly history, for policies that read ctx:history.
  TemporaryFile history("setpoint-simulate-history");
  if (history.path.empty())
    spdlog::warn("no temporary file for the history in $TMPDIR: ctx:history reads nil");
  EngineOptions engine_options;
  engine_options.history_path = history.path;
  engine_options.clock = &clock;
  engine_options.cpu_clock = &cpu;
  engine_options.persistent = false;
  engine_options.publish = false;
  engine_options.stdlib_dir = options.stdlib;
  engine_options.on_decision = [&trace](const std::string& line) { count_decision(line, trace); };
  Engine engine(config, engine_options);
  if (const auto started = engine.start(); !started) return Error{started.error()};
  // A policy that does not load would leave its part of the scenario silently undone.
  for (const auto& [file, status] : engine.folder().status()) {
    if (!status.ok) return Error{config.policies.dir + "/" + file + ": " + status.message};
  }
  World world{ServiceModel(s.service, engine.aggregator(), kSeed),
              RuleSetModel(rule_names(s), engine.aggregator(), kSeed + 2),
              ReleaseTrain(s.release_every),
              {}};
  for (const auto& [knob, parameter] : s.knobs) {
    const ParameterSpec* spec = engine.guard().parameter(parameter);
    const auto actuator = config.actuators.find(parameter);
    std::string problem = "is not a parameter of " + s.config;
    if (spec != nullptr) {
      problem = actuator == config.actuators.end() || actuator->second.type != "inproc"
                    ? "needs an inproc actuator"
                    : bind(engine, world, knob, *spec);
    }
    if (!problem.empty())
      return Error{s.path + ": knobs." + knob + ": " + parameter + " " + problem};
  }
  engine.restart_schedules(kStart);
  engine.tick();  // policies first run at the start, then on whole seconds, as windows are cut
  run(s, engine, world, clock, trace);
  engine.stop();
  trace.inside_cooldown = changes_inside_cooldown(trace.applied, engine.guard());
  return trace;
}

}  // namespace setpoint::runner

#include "simulator/canary_simulation.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <random>

#include "engine/engine.hpp"
#include "setpoint/base/json_document.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr Nanos kStart = 1'795'132'800LL * kNanosPerSecond;  // 2026-11-20T00:00:00Z
constexpr Nanos kStep = kNanosPerSecond;

// What one run came to.
struct Run {
  std::string outcome = "none";  // promoted, rolled_back, held, running, none
  std::string verdict;           // the last look's
  double ended_s = -1;           // since the rollout began
  double weight_at_end = 0;      // the weight of the step it ended in
  bool fixed_horizon_failed = false;
  json rollout;  // its row, for the first run's account
};

Result<Run> run_once(const CanaryScenario& s, const Config& config, const std::string& stdlib,
                     std::uint64_t seed) {
  ManualClock clock(kStart);
  SystemClock cpu;
  EngineOptions options;
  options.clock = &clock;
  options.cpu_clock = &cpu;
  options.persistent = false;
  options.publish = false;
  options.stdlib_dir = stdlib;
  Engine engine(config, options);
  const auto& rollout = config.rollouts.at(s.knob);
  const ParameterSpec* spec = nullptr;
  for (const auto& p : config.parameters)
    if (p.name == s.knob) spec = &p;
  Adaptive<double> value(spec->initial), canary(spec->initial), weight(0);
  engine.inproc().bind(spec->key, value);
  engine.inproc().bind(rollout.canary.key, canary);
  engine.inproc().bind(rollout.weight.key, weight);
  if (const auto started = engine.start(); !started) return Error{started.error()};
  for (const auto& [file, status] : engine.folder().status()) {
    if (!status.ok) return Error{config.policies.dir + "/" + file + ": " + status.message};
  }
  Labels canary_labels = s.labels, baseline_labels = s.labels;
  canary_labels.emplace_back(rollout.cohort_label, "canary");
  baseline_labels.emplace_back(rollout.cohort_label, "baseline");
  const SeriesHandle on_canary = engine.aggregator().resolve(s.metric, canary_labels);
  const SeriesHandle on_baseline = engine.aggregator().resolve(s.metric, baseline_labels);
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::normal_distribution<double> normal(0, 1);
  double carried = 0;  // fractions of a request carried to the next second
  Run run;
  Nanos began = -1;
  for (Nanos t = 0; t < s.duration; t += kStep) {
    carried += s.rps;
    const auto n = static_cast<int>(carried);
    carried -= n;
    const double share = weight.get() / 100;
    for (int i = 0; i < n; ++i) {
      const bool c = uniform(random) < share;
      const double ms =
          s.p50_at(c ? canary.get() : value.get()) * std::exp(s.jitter * normal(random));
      const bool failed = uniform(random) < s.error_rate;
      (c ? on_canary : on_baseline)
          .record(clock.wall() + static_cast<Nanos>(uniform(random) * kStep), ms,
                  failed ? OutcomeSet::kError : OutcomeSet::kOk);
    }
    clock.advance(kStep);
    engine.tick();
    if (began < 0 && engine.rollouts().in_flight() > 0) began = clock.wall();
    if (!engine.rollouts().ended().empty()) break;
  }
  const json view = parse_own_json(engine.rollouts().view_json());
  json row;
  if (!view["recent"].empty()) {
    row = view["recent"][0];
  } else if (!view["running"].empty()) {
    row = view["running"][0];
  }
  if (row.is_object()) {
    run.outcome = row.value("status", "none");
    run.verdict = row.value("recommendation", "");
    run.weight_at_end = row.value("weight", 0.0);
    if (!engine.rollouts().ended().empty()) {
      const RolloutRow& ended = engine.rollouts().ended().front();
      run.ended_s = static_cast<double>(ended.completed_at - ended.started_at) / kNanosPerSecond;
      // The weight of the step it ended in (the row's is 0 once it has ended).
      run.weight_at_end = rollout.plan.steps[std::min<std::size_t>(
          static_cast<std::size_t>(ended.step), rollout.plan.steps.size() - 1)];
      run.fixed_horizon_failed = parse_own_json(ended.state).value("fixed_horizon_failed", false);
    }
    run.rollout = row;
  }
  engine.stop();
  return run;
}

}  // namespace

Result<std::string> simulate_canary(const CanaryScenario& s, const std::string& stdlib) {
  auto loaded = load_config(s.config);
  if (!loaded) return Error{loaded.error()};
  const Config config = std::move(loaded).value();
  const auto rollout = config.rollouts.find(s.knob);
  if (rollout == config.rollouts.end())
    return Error{s.path + ": canary_service.knob: " + s.knob + " has no rollout in " + s.config};
  const auto actuator = config.actuators.find(s.knob);
  for (const auto* a : {actuator == config.actuators.end() ? nullptr : &actuator->second,
                        &rollout->second.canary, &rollout->second.weight}) {
    if (a == nullptr || a->type != "inproc")
      return Error{s.path + ": " + s.knob +
                   "'s actuator, canary and weight must be inproc: the simulator is the service"};
  }
  spdlog::set_level(spdlog::level::warn);
  const auto wall_started = std::chrono::steady_clock::now();
  json outcomes = json::object();
  int false_rollbacks = 0, fixed_horizon = 0;
  json first;
  std::vector<double> ended;
  double worst_weight = 0;
  for (int i = 0; i < s.runs; ++i) {
    auto run = run_once(s, config, stdlib, s.seed + static_cast<std::uint64_t>(i));
    if (!run) return Error{run.error()};
    const std::string outcome =
        run->verdict == "inconclusive" ? std::string("inconclusive") : run->outcome;
    outcomes[outcome] = outcomes.value(outcome, 0) + 1;
    false_rollbacks += run->outcome == "rolled_back" && run->verdict == "fail" ? 1 : 0;
    fixed_horizon += run->fixed_horizon_failed ? 1 : 0;
    if (run->ended_s >= 0) ended.push_back(run->ended_s);
    if (run->outcome == "rolled_back") worst_weight = std::max(worst_weight, run->weight_at_end);
    if (i == 0)
      first = {{"outcome", outcome}, {"ended_after_s", run->ended_s}, {"rollout", run->rollout}};
  }
  const double runs = s.runs;
  json f = {{"scenario", s.name},
            {"canary_runs", s.runs},
            {"outcomes", outcomes},
            {"rollbacks", false_rollbacks},
            {"false_rollback_rate_configured", rollout->second.plan.judge.false_rollback_rate},
            {"rolled_back_at_weight_max", worst_weight},
            {"ended_after_s_max",
             ended.empty() ? json() : json(*std::max_element(ended.begin(), ended.end()))},
            {"first_run", first}};
  // An A/A scenario (it says how many false rollbacks it allows): every rollback is false.
  if (s.expect.false_rollback_rate_max) {
    f["false_rollbacks"] = false_rollbacks;
    f["false_rollback_rate"] = false_rollbacks / runs;
    f["fixed_horizon_false_rollbacks"] = fixed_horizon;
    f["fixed_horizon_false_rollback_rate"] = fixed_horizon / runs;
  }
  json failures = json::array();
  const auto& e = s.expect;
  if (e.outcome && outcomes.value(*e.outcome, 0) != s.runs)
    failures.push_back("outcome: " + dump(outcomes) + ", expected every run " + *e.outcome);
  if (e.ended_within && (ended.size() != static_cast<std::size_t>(s.runs) ||
                         f["ended_after_s_max"].get<double>() >
                             static_cast<double>(*e.ended_within) / kNanosPerSecond))
    failures.push_back("ended_within: a run ended after " + dump(f["ended_after_s_max"]) +
                       " s, or not at all");
  if (e.rolled_back_below_weight && worst_weight >= *e.rolled_back_below_weight)
    failures.push_back("rolled_back_below_weight: one was rolled back at " +
                       dump(json(worst_weight)) + " %");
  if (e.false_rollback_rate_max && false_rollbacks / runs > *e.false_rollback_rate_max)
    failures.push_back("false_rollback_rate_max: " + dump(json(false_rollbacks / runs)));
  f["failures"] = failures;
  f["wall_seconds"] =
      std::round(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_started).count() *
          100) /
      100;
  return dump(f);
}

}  // namespace setpoint::runner

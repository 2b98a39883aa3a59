#include "engine/rollouts.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>

#include "engine/engine.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/windows/series.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr Nanos kLongestRead = 24 * 3600 * kNanosPerSecond;  // the windows' longest horizon
json number_or_null(double x) { return std::isfinite(x) ? json(x) : json(); }

json look_json(const canary::Look& look) {
  json kpis = json::array();
  for (const auto& k : look.kpis) {
    kpis.push_back({{"kpi", k.kpi},
                    {"status", canary::name(k.status)},
                    {"canary", number_or_null(k.canary)},
                    {"baseline", number_or_null(k.baseline)},
                    {"effect", number_or_null(k.effect)},
                    {"n_canary", k.n_canary},
                    {"n_baseline", k.n_baseline},
                    {"z", number_or_null(k.z)},
                    {"p", k.p},
                    {"p_fixed", k.p_fixed},
                    {"sentence", k.sentence}});
  }
  return {{"verdict", canary::name(look.verdict)},
          {"look", look.look},
          {"planned", look.planned},
          {"end_of_step", look.end_of_step},
          {"sentence", look.sentence},
          {"fixed_horizon_fail", look.fixed_horizon_fail},
          {"kpis", kpis}};
}

}  // namespace

Rollouts::Rollouts(const Config& config, Aggregator& aggregator, Guard& guard,
                   EffectPipeline& pipeline, AuditStore* store, EngineMetrics& metrics,
                   InprocActuator& inproc, const Clock* pool_clock)
    : config_(config),
      aggregator_(aggregator),
      guard_(guard),
      pipeline_(pipeline),
      store_(store),
      metrics_(metrics),
      inproc_(inproc),
      pool_clock_(pool_clock) {}

void Rollouts::checkpoint(Nanos now) {
  for (auto& [name, running] : running_) {
    if (!running.rollout.active()) continue;
    running.rollout.data = cohorts(running, parameters_.at(name), now);
    save(running, now);
  }
}

bool Rollouts::active(const std::string& parameter) const { return running_.count(parameter) > 0; }

std::string Rollouts::stage(Decision& d, Nanos now) {
  const std::string& name = d.proposal.target;
  auto& p = parameters_.at(name);
  if (running_.count(name) > 0) return "a rollout of " + name + " is in flight";
  const auto& plan = p.config->plan;
  auto [rollout, move] =
      canary::start_rollout(plan, name, d.verdict.current, d.verdict.value, d.id, now);
  rollout.cycle = d.proposal.cycle;
  rollout.policy = d.policy;
  rollout.version = d.policy_version;
  Running running{std::move(rollout), d.policy, d.policy_version, {}, now, {}, 0};
  if (d.outcome == DecisionOutcome::kShadow) {
    // Observe mode: the whole judge on whatever the telemetry holds, logged, never actuated;
    // the guard is not held (nothing is in flight in the world).
    running.rollout.shadow = true;
    spdlog::info("shadow rollout {}: would roll {} out from {} to {}, {}", running.rollout.id, name,
                 running.rollout.baseline, running.rollout.canary, running.rollout.reason);
    save(running, now);
    running_.emplace(name, std::move(running));
    return "";
  }
  // In flight from now on, whatever its actuators answer: the canary's value first, then the
  // slice of traffic that meets it. Either failing rolls it back (the weight to 0, the value
  // back), recorded in its row.
  guard_.set_rollout(name, running.rollout.id);
  spdlog::info("rollout {}: {} from {} to {}, {}", running.rollout.id, name,
               running.rollout.baseline, running.rollout.canary, running.rollout.reason);
  running.steps = {{false, running.rollout.canary, ""}, {true, move.weight, ""}};
  running.rollout.settling = true;
  Running& r = running_.emplace(name, std::move(running)).first->second;
  save(r, now);
  advance(r, p, now);
  d.detail += "; rolled out as " + r.rollout.id + ": " + r.rollout.reason;
  return "";
}

void Rollouts::tick(Nanos now) {
  collect(now);
  std::vector<std::string> due;
  for (const auto& [name, running] : running_) {
    // A look waits for the last move's actuations: it judges the traffic they route.
    if (running.rollout.status == canary::RolloutStatus::kRunning && running.steps.empty() &&
        now >= running.rollout.next_look_at)
      due.push_back(name);
  }
  for (const auto& name : due) look(running_.at(name), parameters_.at(name), now);
  sweep(now);
}

void Rollouts::look(Running& running, Parameter& p, Nanos now) {
  auto& r = running.rollout;
  // An operator's pin or pause holds the parameter still, and a rollout's moves are changes
  // too: a pin ends the rollout (the operator has said what the value is), and a pause lets
  // the judge fail it (back to the baseline is always allowed) but not move it on.
  const std::string held = r.shadow ? ""
                                    : guard_.held_by_operator(r.parameter, running.policy,
                                                              r.canary > r.baseline ? 1 : -1, now);
  const auto pin = guard_.override_of(r.parameter);
  if (!held.empty() && pin && !pin->hold && pin->until > now) {
    carry_out(running, canary::abort_rollout(r, "the engine: " + held, now), now);
    save(running, now);
    advance(running, p, now);
    return;
  }
  canary::Rollout before = r;
  canary::Look look;
  auto move = canary::look_at(r, p.config->plan, p.judge, cohorts(running, p, now), now, look);
  if (!held.empty() && move.kind != canary::RolloutMove::Kind::kRollBack &&
      move.kind != canary::RolloutMove::Kind::kNone) {
    // Not moved on: the same step, its time stretched by the wait, looked at again later.
    const std::string said = look.sentence;
    r = std::move(before);
    r.next_look_at = now + p.config->plan.interval;
    r.step_started_at += p.config->plan.interval;
    r.reason = "waiting: " + held + "; the judge says: " + said;
    look.sentence = r.reason;
    move = {};
  }
  running.rollout.last_look = dump(look_json(look));
  ++(running.rollout.shadow ? metrics_.rollout_shadow_verdicts
                            : metrics_.rollout_verdicts)[canary::name(look.verdict)];
  if (look.verdict != canary::LookVerdict::kContinue)
    spdlog::info("{}rollout {}: {}", running.rollout.shadow ? "shadow " : "", running.rollout.id,
                 look.sentence);
  if (r.status == canary::RolloutStatus::kHeld && !r.shadow)
    spdlog::warn(
        "rollout {}: held at step {} for an operator (rollout.on_inconclusive: hold): "
        "setpoint rollout promote {} or setpoint rollout abort {}",
        r.id, r.step + 1, r.id, r.id);
  carry_out(running, move, now);
  save(running, now);
  advance(running, p, now);
}

void Rollouts::carry_out(Running& running, const canary::RolloutMove& move, Nanos now) {
  auto& r = running.rollout;
  const std::string& name = r.parameter;
  if (r.shadow) {  // what would have been done, said; the would-be value follows a rollback
    if (move.kind == canary::RolloutMove::Kind::kWeight)
      spdlog::info("shadow rollout {}: would move the canary to {} %", r.id, move.weight);
    if (move.kind == canary::RolloutMove::Kind::kPromote)
      spdlog::info("shadow rollout {}: would promote {} to {}", r.id, name, r.canary);
    if (move.kind == canary::RolloutMove::Kind::kRollBack) {
      spdlog::info("shadow rollout {}: would roll {} back to {}", r.id, name, r.baseline);
      guard_.rolled_back(name, r.baseline, now);
    }
    return;
  }
  // A new move replaces the actuations of the last one not yet begun (an abort while the
  // start is being actuated does not move the weight up first).
  if (move.kind != canary::RolloutMove::Kind::kNone)
    running.steps.erase(running.steps.begin() + (running.job != 0 ? 1 : 0), running.steps.end());
  if (move.kind != canary::RolloutMove::Kind::kNone &&
      move.kind != canary::RolloutMove::Kind::kPromote)
    r.settling = true;  // saved with the move: a restart makes its actuations again
  switch (move.kind) {
    case canary::RolloutMove::Kind::kNone: break;
    case canary::RolloutMove::Kind::kWeight:
      running.steps.push_back({true, move.weight, ""});
      break;
    case canary::RolloutMove::Kind::kPromote: {
      guard_.set_rollout(name, "");
      const auto promoted =
          pipeline_.promote(name, r.canary, running.policy, running.version, r.cycle,
                            "promoted by " + r.id + ": " + r.reason, now);
      if (promoted) r.reason += " (decision " + std::to_string(promoted->id) + ")";
      if (!r.cycle.empty() && cycle_change_ended_) cycle_change_ended_(r, promoted, now);
      // The whole of the traffic is on the new value now: the canary's slice goes back to 0.
      running.steps.push_back({true, 0, "the weight could not be set to 0"});
      r.settling = true;
      break;
    }
    case canary::RolloutMove::Kind::kRollBack: {
      guard_.set_rollout(name, "");
      // The slice first, so no more traffic meets the bad value, then the value itself.
      running.steps.push_back({true, 0, "the weight could not be set to 0"});
      running.steps.push_back({false, r.baseline, "the canary's value could not be set back"});
      // Held at the baseline, as an operator's rollback is: the policy that asked for the
      // change would otherwise stage it again at its next pass, and again after that.
      // An operator's own pin stays as it is.
      const Nanos hold = config_.engine.rollback_hold;
      const auto pin = guard_.override_of(name);
      if (!pin || pin->hold || pin->until <= now) {
        guard_.set_override(name, r.baseline, now + hold, true);
        char value[32];
        std::snprintf(value, sizeof value, "%g", r.baseline);
        r.reason += "; " + name + " held at " + value + " for " + format_duration(hold) +
                    " (engine.rollback_hold)";
      }
      spdlog::warn("rollout {}: rolled back: {}", r.id, r.reason);
      if (!r.cycle.empty() && cycle_change_ended_) cycle_change_ended_(r, std::nullopt, now);
      break;
    }
  }
}

void Rollouts::ended(Running& running, Nanos now) {
  const std::string name = running.rollout.parameter;
  if (!running.rollout.shadow) {
    metrics_.rollout_step[name] = 0;
    metrics_.rollout_weight[name] = 0;
  }
  const RolloutRow last = row(running, now);
  std::erase_if(ended_, [&](const RolloutRow& r) { return r.id == last.id; });  // resettled
  ended_.push_back(last);
  if (ended_.size() > kRecent) ended_.erase(ended_.begin());
  running_.erase(name);
}

std::vector<std::pair<canary::Cohort, canary::Cohort>> Rollouts::cohorts(const Running& running,
                                                                         const Parameter& p,
                                                                         Nanos now) {
  const auto& kpis = p.config->plan.judge.kpis;
  // This process's windows count from the start of the rollout, or of the process after a
  // restart (added to what was saved at the last look before it).
  const Nanos since = std::max(running.rollout.started_at, running.since);
  std::vector<std::pair<canary::Cohort, canary::Cohort>> data;
  for (std::size_t i = 0; i < kpis.size(); ++i) {
    const std::string& label = p.config->cohort_label;
    auto side = std::pair{read_cohort(kpis[i].series, label, "canary", since, now),
                          read_cohort(kpis[i].series, label, "baseline", since, now)};
    if (i < running.carried.size()) {
      side.first.merge(running.carried[i].first);
      side.second.merge(running.carried[i].second);
    }
    data.push_back(std::move(side));
  }
  return data;
}

canary::Cohort Rollouts::read_cohort(const std::string& series, const std::string& label,
                                     const std::string& side, Nanos since, Nanos now) {
  canary::Cohort cohort;
  auto parsed = parse_series_key(series);
  if (!parsed) return cohort;
  parsed->second.emplace_back(label, side);
  const auto id = aggregator_.find(series_key(parsed->first, parsed->second));
  if (!id) return cohort;
  const Nanos span = std::clamp<Nanos>(now - since, 1, kLongestRead);
  scratch_.reset();
  const auto stats = aggregator_.read(*id, now, span, scratch_);
  if (!stats) return cohort;
  cohort.count = stats->count;
  cohort.failures = stats->failures;
  if (scratch_.nonpositive() > 0) cohort.values.emplace_back(0.0, scratch_.nonpositive());
  scratch_.for_each_bin([&](int bin, std::uint64_t n) {
    const double value = sketch::value_of(bin);
    if (!cohort.values.empty() && cohort.values.back().first >= value) {
      cohort.values.back().second += n;  // bins below zero's: kept in order
    } else {
      cohort.values.emplace_back(value, n);
    }
  });
  return cohort;
}

void Rollouts::save(const Running& running, Nanos now) {
  if (store_ == nullptr) return;
  if (auto saved = store_->save_rollout(row(running, now)); !saved) {
    ++metrics_.store_write_failures;
    spdlog::error("rollout {}: cannot save it: {}", running.rollout.id, saved.error());
  }
}

}  // namespace setpoint::runner

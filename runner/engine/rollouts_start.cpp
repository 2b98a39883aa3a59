// Starting the rollouts: the canary's actuators built, each rolled-out parameter's changes
// staged, and what the store holds in flight resumed — the step it was in, the actuations of
// its last move made again if they never answered, or rolled back when it cannot go on.
#include <spdlog/spdlog.h>

#include "engine/actuator_factory.hpp"
#include "engine/rollouts.hpp"
#include "setpoint/base/json_document.hpp"

namespace setpoint::runner {
namespace {

// What a rollout's row says when its actuators are gone from the config (a restart with the
// rollout section removed): nothing reset the world, and nothing pretends it did.
constexpr const char* kByHand =
    "its parameter no longer rolls out in the config, so nothing set the canary's weight to 0 "
    "or its value back: check them by hand";

}  // namespace

Result<void> Rollouts::start(Nanos now) {
  started_ = now;
  // Two workers: rollouts of different parameters do not wait on each other's actuators.
  if (pool_clock_ != nullptr && !config_.rollouts.empty())
    pool_ = std::make_unique<ActuatorPool>(2, *pool_clock_);
  for (const auto& [name, rollout] : config_.rollouts) {
    Parameter p{&rollout, nullptr, nullptr, nullptr, nullptr, canary::Judge(rollout.plan.judge)};
    for (auto [section, owned, actuator] :
         {std::tuple{&rollout.canary, &p.canary_owned, &p.canary},
          std::tuple{&rollout.weight, &p.weight_owned, &p.weight}}) {
      auto made = make_actuator(*section);
      if (!made) return Error{"parameters." + name + ".rollout: " + made.error()};
      *owned = std::move(made).value();
      *actuator = *owned ? owned->get() : &inproc_;
    }
    parameters_.emplace(name, std::move(p));
    pipeline_.stage(name, [this](Decision& d, Nanos at) { return stage(d, at); });
    metrics_.rollout_step[name] = 0;
    metrics_.rollout_weight[name] = 0;
  }
  if (store_ == nullptr) return {};
  // The recent ended ones, as /v1/rollouts showed them before the restart (or the reload).
  const auto recent = store_->rollouts("", "", kRecent);
  if (!recent) return Error{"cannot read the recent rollouts: " + recent.error()};
  for (auto it = recent->rbegin(); it != recent->rend(); ++it) {
    if (it->status != "running" && it->status != "held") ended_.push_back(*it);
  }
  auto active = store_->active_rollouts();
  if (!active) return Error{"cannot read the rollouts in flight: " + active.error()};
  for (RolloutRow& row : *active) {
    const auto it = parameters_.find(row.parameter);
    canary::Rollout r;
    r.id = row.id;
    r.parameter = row.parameter;
    r.baseline = row.baseline_value;
    r.canary = row.canary_value;
    r.decision = row.decision;
    r.cycle = row.cycle;
    r.started_at = row.started_at;
    r.status = canary::parse_rollout_status(row.status).value_or(canary::RolloutStatus::kRunning);
    r.reason = row.reason;
    r.last_look = row.last_look;
    Running running{std::move(r), "", "", {}, now, {}, 0};
    const auto restored =
        it == parameters_.end()
            ? Result<void>(Error{"its parameter no longer rolls out (the config changed)"})
            : running.rollout.restore_state(row.state, it->second.config->plan.judge.kpis.size());
    running.policy = running.rollout.policy;
    running.version = running.rollout.version;
    if (!running.rollout.active()) {  // ended, its last actuations unanswered: once more
      resettle(std::move(running), it == parameters_.end() ? nullptr : &it->second, now);
      continue;
    }
    if (!restored) {
      // Not judged blind: the canary goes back where it came from, and the rollout ends.
      spdlog::error("rollout {}: cannot resume: {}; rolling back", row.id, restored.error());
      running.rollout.reason = "cannot resume: " + restored.error();
      guard_.set_rollout(row.parameter, "");
      if (it == parameters_.end()) {  // no actuators to move any more: it just ends
        running.rollout.status = canary::RolloutStatus::kRolledBack;
        running.rollout.ended_at = now;
        running.rollout.reason += std::string("; ") + kByHand;
        running.rollout.settling = false;
        save(running, now);
        continue;
      }
      resume_rolling_back(std::move(running), it->second, now);
      continue;
    }
    running.carried = running.rollout.data;
    // What the saved state says must fit the plan as it is configured now: a step that is no
    // longer there (or is the promotion itself) is not judged, and a look is never put off.
    const auto& plan = it->second.config->plan;
    auto& rr = running.rollout;
    if (rr.step >= plan.steps.size() || plan.steps[rr.step] >= 100) {
      spdlog::error(
          "rollout {}: its saved step {} is not a judged step of the configured steps; "
          "rolling back",
          row.id, rr.step + 1);
      rr.reason = "cannot resume: its step " + std::to_string(rr.step + 1) +
                  " is not a judged step of the configured steps";
      guard_.set_rollout(row.parameter, "");
      resume_rolling_back(std::move(running), it->second, now);
      continue;
    }
    rr.next_look_at = std::min(rr.next_look_at, now + plan.interval);
    rr.step_started_at = std::min(rr.step_started_at, now);
    if (!parse_own_json(rr.last_look).is_object()) rr.last_look = "{}";
    if (!running.rollout.shadow) guard_.set_rollout(row.parameter, row.id);
    spdlog::info("rollout {}: resumed at step {}, {} looks into it", row.id,
                 running.rollout.step + 1, running.rollout.judge.looks);
    if (rr.settling) {  // the last move's actuations may not have landed: made again
      running.steps = {{false, rr.canary, ""}, {true, rr.weight(plan), ""}};
    }
    if (!running.rollout.shadow) {
      metrics_.rollout_step[row.parameter] = static_cast<double>(running.rollout.step + 1);
      metrics_.rollout_weight[row.parameter] = running.rollout.weight(it->second.config->plan);
    }
    Running& resumed = running_.emplace(row.parameter, std::move(running)).first->second;
    advance(resumed, it->second, now);
  }
  return {};
}

void Rollouts::resettle(Running running, Parameter* p, Nanos now) {
  auto& r = running.rollout;
  if (p == nullptr) {
    spdlog::error("rollout {}: {}", r.id, kByHand);
    r.reason += std::string("; ") + kByHand;
    r.settling = false;
    save(running, now);
    return;
  }
  spdlog::info("rollout {}: {}; its last actuations are made again", r.id,
               canary::status_name(r.status));
  running.steps.push_back({true, 0, "the weight could not be set to 0"});
  if (r.status == canary::RolloutStatus::kRolledBack)
    running.steps.push_back({false, r.baseline, "the canary's value could not be set back"});
  Running& again = running_.insert_or_assign(r.parameter, std::move(running)).first->second;
  advance(again, *p, now);
}

void Rollouts::resume_rolling_back(Running running, Parameter& p, Nanos now) {
  const std::string name = running.rollout.parameter;
  Running& r = running_.insert_or_assign(name, std::move(running)).first->second;
  carry_out(r, canary::abort_rollout(r.rollout, "engine", now), now);
  save(r, now);
  advance(r, p, now);
}

}  // namespace setpoint::runner

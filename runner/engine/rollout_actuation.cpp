// The canary's actuations: a move's steps run one at a time, in order, on the rollouts' own
// pool in the daemon (so no exec stalls an engine pass) or in line in a replay; what answers
// is collected at the next pass, and a failure rolls the rollout back or is noted in its
// reason. A rollout that has ended leaves the running ones once nothing is left to actuate.
#include "engine/rollouts.hpp"

namespace setpoint::runner {

std::size_t Rollouts::actuating() const {
  std::size_t n = 0;
  for (const auto& [_, r] : running_) n += r.steps.size();
  return n;
}

bool Rollouts::idle() const { return actuating() == 0 && (!pool_ || pool_->idle()); }

void Rollouts::collect(Nanos now) {
  if (pool_) {
    for (const ActuatorPool::Done& done : pool_->collect()) {
      const auto job = jobs_.find(done.id);
      if (job == jobs_.end()) continue;
      const auto it = running_.find(job->second);
      jobs_.erase(job);
      if (it == running_.end() || it->second.job != done.id) continue;
      Parameter& p = parameters_.at(it->first);
      it->second.job = 0;
      finished(it->second, done.result, now);
      advance(it->second, p, now);
    }
  }
  sweep(now);
}

void Rollouts::sweep(Nanos now) {
  std::vector<std::string> done;
  for (const auto& [name, r] : running_) {
    if (!r.rollout.active() && r.steps.empty()) done.push_back(name);
  }
  for (const auto& name : done) ended(running_.at(name), now);
}

void Rollouts::advance(Running& running, Parameter& p, Nanos now) {
  while (!running.steps.empty() && running.job == 0) {
    const Step& step = running.steps.front();
    Actuator& actuator = step.weight ? *p.weight : *p.canary;
    if (pool_) {
      // Past its own timeout (an exec's is killed then), with a second for it to say so.
      const Nanos timeout = (step.weight ? p.config->weight : p.config->canary).timeout;
      running.job = ++next_job_;
      jobs_[running.job] = running.rollout.parameter;
      pool_->submit(running.job, actuator, actuation(running, step, now),
                    timeout + kNanosPerSecond);
      return;
    }
    finished(running, actuator.apply(actuation(running, step, now)), now);
  }
}

Actuation Rollouts::actuation(const Running& running, const Step& step, Nanos now) const {
  const auto& r = running.rollout;
  const RolloutConfig& config = *parameters_.at(r.parameter).config;
  return {r.parameter, (step.weight ? config.weight : config.canary).key,
          step.value,  {},
          "rollout",   "rollout " + r.id + ": " + r.reason,
          now};
}

void Rollouts::finished(Running& running, const ActuationResult& result, Nanos now) {
  const Step step = std::move(running.steps.front());
  running.steps.pop_front();
  auto& r = running.rollout;
  const std::string& name = r.parameter;
  if (result.ok()) {
    if (step.weight && r.active()) {
      metrics_.rollout_step[name] = static_cast<double>(r.step + 1);
      metrics_.rollout_weight[name] = step.value;
      // The step runs its whole duration from when its traffic is routed: a slow actuator
      // does not eat into it (in line, this is the moment it began anyway).
      r.step_started_at = now;
      r.next_look_at = now + parameters_.at(name).config->plan.interval;
    }
  } else {
    const std::string failed = result.detail.empty() ? "failed" : result.detail;
    if (step.if_failed.empty() && r.active())
      carry_out(running, canary::actuation_failed(r, failed, now), now);
    else  // a rollback's or a promotion's: it goes on; or one begun before an abort
      r.reason +=
          "; " +
          (step.if_failed.empty() ? "an actuation begun before it ended failed" : step.if_failed) +
          ": " + failed;
  }
  if (running.steps.empty()) {  // the move's outcome, its notes included
    r.settling = false;
    save(running, now);
  }
}

}  // namespace setpoint::runner

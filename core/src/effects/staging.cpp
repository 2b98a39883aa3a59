// The pipeline's staged changes: a parameter that rolls out gets its enforced changes handed
// to its stager rather than its actuator, and the rollout's promotion applied later.
#include "setpoint/effects/effect_pipeline.hpp"

namespace setpoint {

void EffectPipeline::stage_change(Decision& d, const Stager& stager, Nanos now) {
  if (!store_intent(d)) return;
  publish(d, true);
  d.detail = explain(d.verdict, d.proposal.target);
  const std::string refused = stager(d, now);
  d.result_at = now;
  if (refused.empty()) {
    d.outcome = DecisionOutcome::kStaged;
  } else {
    d.outcome = DecisionOutcome::kFailed;
    d.detail = refused;
  }
  finish(d);
}

std::optional<Decision> EffectPipeline::promote(const std::string& parameter, double value,
                                                const std::string& policy,
                                                const std::string& version,
                                                const std::string& cycle, const std::string& why,
                                                Nanos now) {
  if (guard_.parameter(parameter) == nullptr) return std::nullopt;
  Decision d = bounds_only(parameter, value, policy, version, why, now);
  d.proposal.cycle = cycle;
  if (!d.verdict.allowed()) {
    d.outcome = DecisionOutcome::kBlocked;
    d.detail = explain(d.verdict, parameter);
    record(d);
    return d;
  }
  if (d.mode == Mode::kObserve) {  // the ceiling was lowered during the rollout
    guard_.applied(d.proposal, d.verdict, now);
    d.outcome = DecisionOutcome::kShadow;
    d.detail = "would " + explain(d.verdict, parameter);
    record(d);
    return d;
  }
  enact(d, now);
  return d;
}

}  // namespace setpoint

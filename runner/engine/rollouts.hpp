#pragma once
// Rollouts of parameter changes, on the engine thread. A parameter with a rollout section has
// its enforced changes staged by the pipeline (EffectPipeline::stage); each becomes a Rollout
// (core/canary):
//
//   staged ──► canary's value, then its weight, to their own actuators
//          ──► a look every interval: the KPI series split by the cohort label, everything
//              since the start, judged ──► continue / next step's weight / promote / roll back
//   promote: the pipeline applies the value to the parameter's own actuator, weight to 0
//   roll back: weight to 0, the canary's value back to the baseline
//
// Each move is saved in canary_deployments as it is made, so a restart resumes the step it was
// in (adding its fresh windows to the cohorts saved at the last look), never applies anything
// twice and never forgets a canary in flight. While a rollout is in flight the guard blocks
// every other change to its parameter (rollout_in_flight).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/metrics.hpp"
#include "setpoint/actuators/actuator.hpp"
#include "setpoint/actuators/inproc_actuator.hpp"
#include "setpoint/audit/audit_store.hpp"
#include "setpoint/canary/rollout.hpp"
#include "setpoint/effects/effect_pipeline.hpp"
#include "setpoint/guard/guard.hpp"
#include "setpoint/windows/aggregator.hpp"

namespace setpoint::runner {

struct Reply;

class Rollouts {
 public:
  Rollouts(const Config& config, Aggregator& aggregator, Guard& guard, EffectPipeline& pipeline,
           AuditStore* store, EngineMetrics& metrics, InprocActuator& inproc);

  // Builds the canary and weight actuators, stages every rolled-out parameter's changes, and
  // resumes the rollouts the store holds as running or held; or why not.
  Result<void> start(Nanos now);
  // Due looks, at the engine clock's time.
  void tick(Nanos now);
  // An operator's hand on rollout `id` (404 when there is none, 409 when it has ended).
  Reply abort(const std::string& id, const std::string& who, Nanos now);
  Reply promote(const std::string& id, const std::string& who, Nanos now);

  // Every rollout in flight and the recent ended ones, as /v1/rollouts shows them.
  std::string view_json() const;
  bool active(const std::string& parameter) const;
  std::size_t in_flight() const { return running_.size(); }
  // The rollouts that ended in this process, oldest first (the last 50).
  const std::vector<RolloutRow>& ended() const { return ended_; }

 private:
  struct Running {
    canary::Rollout rollout;
    std::string policy, version;  // of the staged decision: the promotion is theirs
    std::vector<std::pair<canary::Cohort, canary::Cohort>> carried;  // saved before a restart
    Nanos since = 0;  // where this process's windows start counting for it
  };
  struct Parameter {
    const RolloutConfig* config;
    std::unique_ptr<Actuator> canary_owned, weight_owned;
    Actuator* canary = nullptr;
    Actuator* weight = nullptr;
    canary::Judge judge;
  };

  std::string stage(Decision& decision, Nanos now);
  void look(Running& running, Parameter& parameter, Nanos now);
  // Carries out what the rollout says; an actuator that fails rolls it back.
  void carry_out(Running& running, Parameter& parameter, const canary::RolloutMove& move,
                 Nanos now);
  std::string actuate(Actuator& actuator, const std::string& key, const std::string& target,
                      double value, const std::string& why, Nanos now);
  void ended(Running& running, Nanos now);
  std::vector<std::pair<canary::Cohort, canary::Cohort>> cohorts(const Running& running,
                                                                 const Parameter& parameter,
                                                                 Nanos now);
  canary::Cohort read_cohort(const std::string& series, const std::string& label,
                             const std::string& side, Nanos since, Nanos now);
  void save(const Running& running, Nanos now);
  RolloutRow row(const Running& running, Nanos now) const;

  const Config& config_;
  Aggregator& aggregator_;
  Guard& guard_;
  EffectPipeline& pipeline_;
  AuditStore* store_;
  EngineMetrics& metrics_;
  InprocActuator& inproc_;
  Nanos started_ = 0;
  std::map<std::string, Parameter> parameters_;  // by parameter
  std::map<std::string, Running> running_;       // by parameter: one rollout each at a time
  std::vector<RolloutRow> ended_;                // the recent ones, newest last
  sketch::Accumulator scratch_;
};

}  // namespace setpoint::runner

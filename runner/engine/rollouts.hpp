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
// The canary's actuations run on a pool of their own in the daemon (an exec that takes its
// time never stalls an engine pass): a move's actuations go one at a time, in order, and no
// look is taken while any is in flight. A replay or a simulation actuates in line, the same
// steps in the same order. Either way a failing actuation rolls the rollout back.
//
// Each move is saved in canary_deployments as it is made, so a restart resumes the step it was
// in (adding its fresh windows to the cohorts saved at the last look), never applies anything
// twice and never forgets a canary in flight. While a rollout is in flight the guard blocks
// every other change to its parameter (rollout_in_flight).
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/metrics.hpp"
#include "setpoint/actuators/actuator.hpp"
#include "setpoint/actuators/actuator_pool.hpp"
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
  // `pool_clock` (the daemon's): the canary's actuations run on worker threads, timed by it;
  // none (a replay): in line.
  Rollouts(const Config& config, Aggregator& aggregator, Guard& guard, EffectPipeline& pipeline,
           AuditStore* store, EngineMetrics& metrics, InprocActuator& inproc,
           const Clock* pool_clock = nullptr);

  // A rollout of an autopilot cycle's change ended: promoted by `promotion` (the decision
  // that applies its value), or rolled back (none). Told once, as it ends.
  using Ended = std::function<void(const canary::Rollout& rollout,
                                   const std::optional<Decision>& promotion, Nanos now)>;
  void on_cycle_change_ended(Ended ended) { cycle_change_ended_ = std::move(ended); }

  // Builds the canary and weight actuators, stages every rolled-out parameter's changes, and
  // resumes the rollouts the store holds as running or held; or why not.
  Result<void> start(Nanos now);
  // The actuations that answered, then the due looks, at the engine clock's time.
  void tick(Nanos now);
  // Only the actuations that answered (the engine stopping waits for them).
  void collect(Nanos now);
  // Saves what each rollout's cohorts have served up to now (a stop, a reload), so the
  // windows the next process starts afresh add to it rather than to the last look's.
  void checkpoint(Nanos now);
  // Actuations queued or in flight, and whether none is: the actuators may be destroyed (a
  // config reload) only then, even past a timeout that was already reported.
  std::size_t actuating() const;
  bool idle() const;
  // An operator's hand on rollout `id` (404 when there is none, 409 when it has ended).
  Reply abort(const std::string& id, const std::string& who, Nanos now);
  Reply promote(const std::string& id, const std::string& who, Nanos now);

  // Every rollout in flight and the recent ended ones, as /v1/rollouts shows them.
  std::string view_json() const;
  bool active(const std::string& parameter) const;
  std::size_t in_flight() const { return running_.size(); }
  // The parameters with a rollout in flight (or still settling), each with its id.
  std::vector<std::pair<std::string, std::string>> parameters_in_flight() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, r] : running_) out.emplace_back(name, r.rollout.id);
    return out;
  }
  // The rollouts that ended in this process, oldest first (the last 50).
  const std::vector<RolloutRow>& ended() const { return ended_; }

 private:
  // One actuation of a move: the canary's value or its weight.
  struct Step {
    bool weight = false;  // the canary's weight, or else the canary's value
    double value = 0;
    // Empty: a failure rolls the rollout back (its start, a step's weight). Else what the
    // reason says when it fails (a rollback's, a promotion's: they go on regardless).
    std::string if_failed;
  };
  struct Running {
    canary::Rollout rollout;
    std::string policy, version;  // of the staged decision: the promotion is theirs
    std::vector<std::pair<canary::Cohort, canary::Cohort>> carried;  // saved before a restart
    Nanos since = 0;         // where this process's windows start counting for it
    std::deque<Step> steps;  // its actuations to come, the first in flight when `job` is set
    std::int64_t job = 0;    // the pool's id for it
  };
  struct Parameter {
    const RolloutConfig* config;
    std::unique_ptr<Actuator> canary_owned, weight_owned;
    Actuator* canary = nullptr;
    Actuator* weight = nullptr;
    canary::Judge judge;
  };

  std::string stage(Decision& decision, Nanos now);
  // An operator's hand on rollout `id`: the move it makes, carried out.
  Reply operate(const std::string& id, Nanos now,
                const std::function<canary::RolloutMove(canary::Rollout&)>& hand);
  // A restored rollout that ended with its last actuations unanswered: they are made again
  // (none when its parameter no longer rolls out: then the row says so).
  void resettle(Running running, Parameter* parameter, Nanos now);
  // A restored rollout that cannot go on: rolled back, its actuations queued.
  void resume_rolling_back(Running running, Parameter& parameter, Nanos now);
  void look(Running& running, Parameter& parameter, Nanos now);
  // Carries out what the rollout says: the guard's and the pipeline's part at once, the
  // actuations queued (replacing those of an earlier move not yet begun) for advance().
  void carry_out(Running& running, const canary::RolloutMove& move, Nanos now);
  // Runs the queued actuations: in line, or the next one handed to the pool.
  void advance(Running& running, Parameter& parameter, Nanos now);
  // An actuation answered; a failure rolls the rollout back, or is noted in its reason.
  void finished(Running& running, const ActuationResult& result, Nanos now);
  Actuation actuation(const Running& running, const Step& step, Nanos now) const;
  // Rollouts that ended and have nothing left to actuate leave the running ones.
  void sweep(Nanos now);
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
  static constexpr std::size_t kRecent = 50;     // ended rollouts kept for /v1/rollouts
  std::vector<RolloutRow> ended_;                // the recent ones, newest last
  sketch::Accumulator scratch_;
  const Clock* pool_clock_;
  Ended cycle_change_ended_;
  std::map<std::int64_t, std::string> jobs_;  // the pool's ids, to their parameter
  std::int64_t next_job_ = 0;
  // Last, so it goes first: its destructor waits for the workers, which use the actuators.
  std::unique_ptr<ActuatorPool> pool_;
};

}  // namespace setpoint::runner

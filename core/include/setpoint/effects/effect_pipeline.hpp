#pragma once
// Where proposals become effects, or records of effects that were not taken. For each
// proposal of a policy evaluation:
//
//   guard verdict ──► mode ──► observe: the change is recorded as a shadow; the guard follows
//                     │                 the would-be trajectory, nothing is touched
//                     ├──► advise:  a recommendation is recorded
//                     ├──► propose: a pending proposal waits for approve/reject or its TTL,
//                     │             one per target (the same again is "unchanged", another
//                     │             supersedes it); on approval the guard vets it again
//                     │             A bounds patch (ctx:suggest_bounds) is a pending
//                     │             proposal in propose and enforce (never applied by a
//                     │             mode: a shadow in observe and dry-run, advice in advise),
//                     │             one per parameter and policy, waiting engine.patch_ttl;
//                     │             approved, the bounds patcher applies it (no actuator)
//                     └──► enforce: intent recorded → actuator → result recorded; the guard
//                                   advances only if the actuator confirms. On a parameter
//                                   that rolls out, the intent goes to its stager instead: the
//                                   decision is staged, and promote() applies it later
//
// The mode is the lowest of the global ceiling (dry-run forces observe), the policy's and the
// target's. A drift reported by an actuator pins the parameter as an operator override for a
// while. A named action with an automatic undo has its undo action run (with the same
// arguments, past the guard: restoring is not a new change) once its time is up. A parameter with a
// verification is checked after its window; if its KPI got worse, the change is rolled back through
// the guard's rollback path (bounds, not cooldowns).
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "setpoint/actuators/actuator.hpp"
#include "setpoint/actuators/actuator_pool.hpp"
#include "setpoint/audit/audit_store.hpp"
#include "setpoint/audit/decision.hpp"
#include "setpoint/audit/decision_log_file.hpp"
#include "setpoint/guard/guard.hpp"

namespace setpoint {

struct PipelineOptions {
  Mode ceiling = Mode::kEnforce;
  Mode default_mode = Mode::kObserve;  // for policies and targets not given one
  Nanos proposal_ttl = 15 * 60 * kNanosPerSecond;
  Nanos drift_pin = 30 * 60 * kNanosPerSecond;
  Nanos patch_ttl = 7 * 24 * 3600 * kNanosPerSecond;  // a weekly review's patches wait a week
};

struct PendingProposal {
  std::int64_t id;  // the decision's id
  Decision decision;
  Nanos expires;
};

// The value of a KPI now (the stat of a series over the verification window), if known.
using KpiReader = std::function<std::optional<double>(const Verification& verification, Nanos now)>;
// Told of each decision as it is first recorded (`first`) and again with its result.
using DecisionObserver = std::function<void(const Decision& decision, bool first)>;
// Told of a change the guard allowed in enforce mode on a parameter that rolls out, once its
// intent is stored and before anything is touched: "" when a rollout took it (the decision is
// then staged: nothing actuated, the guard not advanced), else why not (the decision fails).
// It may add to the decision's detail. In observe mode it is told of the shadow decision once
// it is recorded (outcome shadow; its answer is not used): the rollout then runs as a shadow.
using Stager = std::function<std::string(Decision& decision, Nanos now)>;
// Applies an approved bounds patch (the decision's proposal, vetted again): what changed, as a
// sentence, or why it could not be.
using BoundsPatcher = std::function<Result<std::string>(const Decision& patch, Nanos now)>;

class EffectPipeline {
 public:
  EffectPipeline(Guard& guard, PipelineOptions options, AuditStore* store = nullptr,
                 DecisionLog log = {});

  void bind(const std::string& target, Actuator& actuator);
  // What a policy declares it may touch (the params and actions of its file): its proposals
  // for anything else are blocked as not_declared, whatever config grants.
  void declare(const std::string& policy, std::vector<std::string> targets) {
    declared_[policy] = std::move(targets);
  }
  // A triage policy may suggest bounds patches for any parameter; any other only for those
  // config grants it (not_granted), so no policy can crowd out a review's patch.
  void declare_reviewer(const std::string& policy, bool reviewer) {
    if (reviewer)
      reviewers_.insert(policy);
    else
      reviewers_.erase(policy);
  }
  // From now on, actuators run on the pool's threads: enforce decisions are recorded as
  // intents at once and completed by tick() when the pool reports back (or times out: the
  // outcome is then unknown and counted as applied, the safe side for cooldowns and caps).
  void use_pool(ActuatorPool& pool, Nanos timeout) {
    pool_ = &pool;
    actuation_timeout_ = timeout;
  }
  std::size_t in_flight() const { return in_flight_.size(); }
  bool in_flight(std::int64_t id) const { return in_flight_.count(id) > 0; }
  void set_policy_mode(const std::string& policy, Mode mode) { policy_modes_[policy] = mode; }
  void set_target_mode(const std::string& target, Mode mode) { target_modes_[target] = mode; }
  void set_ceiling(Mode mode) { options_.ceiling = mode; }
  void set_kpi_reader(KpiReader reader) { kpi_ = std::move(reader); }
  void set_observer(DecisionObserver observer) { observer_ = std::move(observer); }
  void set_bounds_patcher(BoundsPatcher patcher) { patcher_ = std::move(patcher); }
  // Changes to `parameter` in enforce mode go to `stager` rather than its actuator.
  void stage(const std::string& parameter, Stager stager) {
    stagers_[parameter] = std::move(stager);
  }
  Mode mode_for(const std::string& policy, const std::string& target) const;

  // One evaluation's proposals, in order. Returns their decisions.
  std::vector<Decision> submit(const std::string& policy, const std::string& version,
                               const std::vector<Proposal>& proposals, const std::string& evidence,
                               Nanos now);

  const std::map<std::int64_t, PendingProposal>& pending() const { return pending_; }
  // Whether the change of this decision waits for its parameter's verification.
  bool verifying(std::int64_t id) const {
    return std::any_of(checks_.begin(), checks_.end(),
                       [&](const Check& c) { return c.change.id == id; });
  }
  // Drops the verification of this decision's change (it was rolled back another way).
  void cancel_verification(std::int64_t id) {
    std::erase_if(checks_, [&](const Check& c) { return c.change.id == id; });
  }
  // The decision that last put a value on the parameter (its version), or 0.
  std::int64_t last_applied(const std::string& parameter) const {
    const auto it = last_applied_.find(parameter);
    return it == last_applied_.end() ? 0 : it->second;
  }
  // Vets the pending proposal again and enacts it; none when no such proposal is pending. An
  // error, the proposal still waiting, when its approval cannot be stored (after a restart
  // it would wait again, and could be approved twice).
  Result<std::optional<Decision>> approve(std::int64_t id, const std::string& who, Nanos now);
  // False when no such proposal is pending; an error, the proposal still waiting, when its
  // rejection cannot be stored.
  Result<bool> reject(std::int64_t id, const std::string& who, Nanos now);
  // Puts a parameter back to an earlier value through the guard's rollback path (bounds, not
  // cooldowns): recorded now, actuated on the pool when there is one (the result then comes
  // with tick()), else at once. None when there is no such parameter.
  std::optional<Decision> roll_back(const std::string& parameter, double value,
                                    const std::string& who, const std::string& version,
                                    const std::string& why, Nanos now);
  // Expires proposals past their TTL, runs due verifications and due automatic undos. One the
  // store refuses (its intent, or the expiry) is tried again a second later: an undo that is
  // dropped would leave a temporary action in place for ever.
  void tick(Nanos now);
  // A rollout of `parameter` passed: its value becomes `value` on the parameter's own
  // actuator, as a change of `policy` (the staged decision's) that the guard counts from now
  // (cooldowns, caps), vetted against the hard bounds only: the rollout already held every
  // other change off. Recorded now, actuated on the pool when there is one.
  // `cycle`: the autopilot cycle whose change it was, if any (its impact is checked).
  std::optional<Decision> promote(const std::string& parameter, double value,
                                  const std::string& policy, const std::string& version,
                                  const std::string& cycle, const std::string& why, Nanos now);
  // At start-up: each intent a crash left without a result is settled by reading its target
  // back — applied if the target holds the intended value (the guard then counts the change),
  // not applied if it does not, unknown if it cannot be read (counted as applied, so no
  // cooldown or cap is skipped). Nothing is ever re-applied. Returns how many were settled;
  // an error when the store cannot say which intents are open.
  Result<std::size_t> reconcile(Nanos now);
  // At start-up, after reconcile(): brings back pending proposals, verifications not yet
  // run and undos not yet due, as the store kept them; an error when it cannot read them.
  // Until a restore has worked, nothing is saved over what it could not read.
  Result<void> restore();
  bool restored() const { return restored_; }

  // Writes the store refused (a full disk, a locked or broken database), and the last reason.
  // An effect whose intent cannot be stored is not attempted: it is published as failed.
  std::uint64_t store_failures() const { return store_failures_; }
  const std::string& last_store_failure() const { return last_store_failure_; }
  bool store_failing() const { return store_failing_; }  // the last write failed

 private:
  struct Undo {
    Decision done;  // the action being undone
    Nanos due;
  };
  struct Check {
    Decision change;
    double before;
    double previous_value;
    Nanos due;
  };
  // Gives the decision its id: stored, or a local one without a store.
  Result<void> store(Decision& d);
  // Stores the intent before the world is touched; false (and the decision published as
  // failed) when the store refuses it.
  bool store_intent(Decision& d);
  void publish(const Decision& d, bool first);
  void record(Decision& d);  // stored (or said why not) and published
  void finish(Decision& d);
  void count(const Result<void>& written);
  void propose(Decision& d, Nanos now);
  void enact(Decision& d, Nanos now);
  void stage_change(Decision& d, const Stager& stager, Nanos now);  // staging.cpp
  // A change vetted against the hard bounds alone (a rollback, a promotion), not yet recorded.
  Decision bounds_only(const std::string& parameter, double value, const std::string& who,
                       const std::string& version, const std::string& why, Nanos now) const;
  void complete(Decision& d, const ActuationResult& result, Nanos now, bool timed_out);
  void complete_rollback(Decision& d, const ActuationResult& result, Nanos now, bool timed_out);
  // Both false when the store refused the intent: the caller keeps the check or undo.
  bool verify(const Check& check, Nanos now);
  bool undo(const Undo& undo, Nanos now);
  // Saves what restore() brings back (checks and undos; proposals are saved as they change).
  void persist(Nanos now);
  void remember_parameter(const Decision& d, double value, Nanos now);
  ProposedValue actuated_value(const Decision& d) const;
  std::string key_for(const Proposal& p) const;
  Nanos ttl_of(const Proposal& p) const {
    return p.kind == Proposal::Kind::kBounds ? options_.patch_ttl : options_.proposal_ttl;
  }
  void approve_patch(Decision& d, Nanos now);

  Guard& guard_;
  PipelineOptions options_;
  AuditStore* store_;
  DecisionLog log_;
  KpiReader kpi_;
  DecisionObserver observer_;
  BoundsPatcher patcher_;
  std::map<std::string, Stager> stagers_;  // by parameter
  std::map<std::string, Actuator*> actuators_;
  std::map<std::string, Mode> policy_modes_;
  std::map<std::string, Mode> target_modes_;
  std::map<std::string, std::vector<std::string>> declared_;
  std::set<std::string> reviewers_;  // triage policies: bounds patches for any parameter
  std::map<std::int64_t, PendingProposal> pending_;
  std::map<std::string, std::int64_t> last_applied_;  // parameter → decision id
  std::vector<Check> checks_;
  std::vector<Undo> undos_;
  ActuatorPool* pool_ = nullptr;
  Nanos actuation_timeout_ = 0;
  std::map<std::int64_t, Decision> in_flight_;
  std::set<std::int64_t> rollbacks_;  // the in-flight ids that are rollbacks
  std::int64_t next_local_id_ = 1;    // ids when there is no store
  std::string persisted_;             // what persist() last wrote
  std::uint64_t store_failures_ = 0;
  std::string last_store_failure_;
  bool store_failing_ = false;  // the last store write failed
  bool restored_ = true;        // false from a failed restore() until one works
};

}  // namespace setpoint

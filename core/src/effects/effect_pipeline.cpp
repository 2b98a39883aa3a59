// The effect pipeline, over 400 lines on purpose: a decision's whole path (vetted, held for
// approval or sent, its result, its verification and rollback) works on the same pending and
// in-flight tables, and read in one file that order is the argument that nothing reaches a
// target unvetted or twice.
#include "setpoint/effects/effect_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "setpoint/base/duration.hpp"

namespace setpoint {
namespace {
std::string format_value(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}
}  // namespace

EffectPipeline::EffectPipeline(Guard& guard, PipelineOptions options, AuditStore* store,
                               DecisionLog log)
    : guard_(guard), options_(options), store_(store), log_(std::move(log)) {}

void EffectPipeline::bind(const std::string& target, Actuator& actuator) {
  actuators_[target] = &actuator;
}

Mode EffectPipeline::mode_for(const std::string& policy, const std::string& target) const {
  Mode mode = options_.ceiling;
  const auto lower = [&](const std::map<std::string, Mode>& modes, const std::string& name) {
    const auto it = modes.find(name);
    mode = std::min(mode, it == modes.end() ? options_.default_mode : it->second);
  };
  lower(policy_modes_, policy);
  lower(target_modes_, target);
  return mode;
}

Result<void> EffectPipeline::store(Decision& d) {
  if (store_ == nullptr) {
    d.id = next_local_id_++;
    return {};
  }
  const auto id = store_->record(d);
  if (id) return {};
  count(Error{id.error()});
  return Error{id.error()};
}

bool EffectPipeline::store_intent(Decision& d) {
  d.outcome = DecisionOutcome::kIntent;
  const auto stored = store(d);
  if (stored) return true;
  d.outcome = DecisionOutcome::kFailed;
  d.detail =
      "not done: its intent could not be stored, so nothing was touched (" + stored.error() + ")";
  d.result_at = d.at;
  publish(d, true);
  return false;
}

void EffectPipeline::publish(const Decision& d, bool first) {
  if (log_) log_(decision_json(d));
  if (observer_) observer_(d, first);
}

void EffectPipeline::record(Decision& d) {
  if (const auto stored = store(d); !stored)
    d.detail += (d.detail.empty() ? "" : "; ") + std::string("not stored: ") + stored.error();
  publish(d, true);
}

void EffectPipeline::finish(Decision& d) {
  if (store_ != nullptr) count(store_->record_result(d));
  publish(d, false);
}

void EffectPipeline::count(const Result<void>& written) {
  store_failing_ = !written;
  if (written) return;
  ++store_failures_;
  last_store_failure_ = written.error();
}

std::string EffectPipeline::key_for(const Proposal& p) const {
  if (p.kind == Proposal::Kind::kSet) {
    if (const auto* spec = guard_.parameter(p.target); spec != nullptr && !spec->key.empty())
      return spec->key;
  }
  return p.target;
}

ProposedValue EffectPipeline::actuated_value(const Decision& d) const {
  const ParameterSpec* spec = guard_.parameter(d.proposal.target);
  if (spec == nullptr) return d.proposal.value;
  switch (spec->type) {
    case ParamType::kBool: return d.verdict.value != 0;
    case ParamType::kEnum: {
      // The guard only lets a choice's index through; an index from elsewhere must not throw
      // between an intent and its result.
      const double i = d.verdict.value;
      if (!(i >= 0 && i < static_cast<double>(spec->choices.size()))) return std::string();
      return spec->choices[static_cast<std::size_t>(i)];
    }
    default: return d.verdict.value;
  }
}

std::vector<Decision> EffectPipeline::submit(const std::string& policy, const std::string& version,
                                             const std::vector<Proposal>& proposals,
                                             const std::string& evidence, Nanos now) {
  std::vector<Decision> out;
  for (const auto& proposal : proposals) {
    Decision d;
    d.at = now;
    d.policy = policy;
    d.policy_version = version;
    d.proposal = proposal;
    d.proposal.policy = policy;  // a policy speaks only for itself
    d.evidence = evidence;
    // A bounds patch is for a person to weigh: no declaration is asked of it.
    const auto declared = declared_.find(policy);
    if (proposal.kind != Proposal::Kind::kBounds && declared != declared_.end() &&
        std::find(declared->second.begin(), declared->second.end(), proposal.target) ==
            declared->second.end()) {
      d.verdict = Verdict{};
      d.verdict.reason = Reason::kNotDeclared;
    } else {
      d.verdict = guard_.vet(d.proposal, now);
    }
    if (proposal.kind == Proposal::Kind::kBounds && d.verdict.allowed() &&
        reviewers_.count(policy) == 0) {
      const ParameterSpec* spec = guard_.parameter(proposal.target);
      if (spec == nullptr ||
          std::find(spec->policies.begin(), spec->policies.end(), policy) == spec->policies.end()) {
        d.verdict.kind = VerdictKind::kBlock;
        d.verdict.reason = Reason::kNotGranted;
      }
    }
    // A bounds patch waits for a person at most: no mode applies it, and below propose (a
    // dry run, observe, advise) it is only recorded as what would have been proposed.
    d.mode = proposal.kind == Proposal::Kind::kBounds ? std::min(options_.ceiling, Mode::kPropose)
                                                      : mode_for(policy, proposal.target);
    if (!d.verdict.allowed()) {
      d.outcome = DecisionOutcome::kBlocked;
      d.detail = proposal.kind == Proposal::Kind::kBounds ? explain_patch(d.verdict, d.proposal)
                                                          : explain(d.verdict, proposal.target);
      record(d);
    } else {
      switch (d.mode) {
        case Mode::kObserve:
          if (proposal.kind == Proposal::Kind::kBounds) {
            d.outcome = DecisionOutcome::kShadow;
            d.detail = "would be proposed: " + explain_patch(d.verdict, d.proposal);
            record(d);
            break;
          }
          // Dry-run: nothing is touched, but the guard follows the would-be value so the next
          // evaluation sees a realistic trajectory.
          guard_.applied(d.proposal, d.verdict, now);
          d.outcome = DecisionOutcome::kShadow;
          d.detail = "would " + explain(d.verdict, proposal.target);
          record(d);
          // A parameter that rolls out: its rollout runs as a shadow too (judged, logged,
          // never actuated).
          if (const auto stager = stagers_.find(proposal.target);
              stager != stagers_.end() && proposal.kind == Proposal::Kind::kSet) {
            stager->second(d, now);
          }
          break;
        case Mode::kAdvise:
          d.outcome = DecisionOutcome::kAdvised;
          d.detail = proposal.kind == Proposal::Kind::kBounds ? explain_patch(d.verdict, d.proposal)
                                                              : explain(d.verdict, proposal.target);
          record(d);
          break;
        case Mode::kPropose: propose(d, now); break;
        case Mode::kEnforce:
          if (const auto stager = stagers_.find(proposal.target);
              stager != stagers_.end() && proposal.kind == Proposal::Kind::kSet) {
            stage_change(d, stager->second, now);
          } else {
            enact(d, now);
          }
          break;
      }
    }
    out.push_back(d);
  }
  persist(now);
  return out;
}

void EffectPipeline::enact(Decision& d, Nanos now) {
  const auto it = actuators_.find(d.proposal.target);
  if (it == actuators_.end()) {
    d.outcome = DecisionOutcome::kFailed;
    d.detail = "no actuator is bound to " + d.proposal.target;
    record(d);
    return;
  }
  // The intent is on disk (and in the log) before the world is touched.
  if (!store_intent(d)) return;
  publish(d, true);
  Actuation actuation{d.proposal.target,
                      key_for(d.proposal),
                      actuated_value(d),
                      d.proposal.args,
                      d.policy,
                      d.proposal.reason,
                      now};
  if (pool_ != nullptr) {
    in_flight_[d.id] = d;
    pool_->submit(d.id, *it->second, std::move(actuation), actuation_timeout_);
    return;
  }
  complete(d, it->second->apply(actuation), now, false);
}

void EffectPipeline::complete(Decision& d, const ActuationResult& result, Nanos now,
                              bool timed_out) {
  const ParameterSpec* spec = guard_.parameter(d.proposal.target);
  const double previous = d.verdict.current;
  d.detail = result.detail;
  d.result_at = now;
  switch (result.status) {
    case ActuationResult::Status::kApplied: {
      d.outcome = DecisionOutcome::kApplied;
      // The change counts from when it was decided, as HPA's from its recommendation: from the
      // actuator's answer, a policy every 2 s met a 2 s cooldown a few milliseconds early at
      // every other step.
      guard_.applied(d.proposal, d.verdict, d.at);
      if (d.proposal.kind == Proposal::Kind::kSet) remember_parameter(d, d.verdict.value, now);
      if (const ActionSpec* action = guard_.action(d.proposal.target);
          action != nullptr && d.proposal.kind == Proposal::Kind::kAct && action->undo_after > 0) {
        undos_.push_back({d, now + action->undo_after});
      }
      if (spec != nullptr && spec->verification && kpi_) {
        if (const auto before = kpi_(*spec->verification, now)) {
          checks_.push_back({d, *before, previous, now + spec->verification->window});
        }
      }
      break;
    }
    case ActuationResult::Status::kFailed:
      if (timed_out) {
        d.outcome = DecisionOutcome::kUnknown;
        guard_.applied(d.proposal, d.verdict, d.at);
      } else {
        d.outcome = DecisionOutcome::kFailed;  // not a change: the guard does not advance
      }
      break;
    case ActuationResult::Status::kDrift: {
      d.outcome = DecisionOutcome::kDrift;
      if (store_ != nullptr) count(store_->record_drift(now, d.proposal.target, result.detail));
      // A human changed it: take their value and keep policies off it for a while.
      double pinned = previous;
      if (const auto it = actuators_.find(d.proposal.target); it != actuators_.end()) {
        if (const auto back = it->second->read_back(key_for(d.proposal));
            back && std::holds_alternative<double>(*back)) {
          pinned = std::get<double>(*back);
        }
      }
      guard_.set_override(d.proposal.target, pinned, now + options_.drift_pin);
      d.detail += "; " + d.proposal.target + " pinned at " + format_value(pinned) + " for " +
                  human_duration(options_.drift_pin) +
                  " (engine.drift_pin): policies leave it alone until then";
      break;
    }
  }
  finish(d);
}

namespace {
// Same target, same effect: the value for a change, the arguments for an action.
bool same_proposal(const Decision& a, const Decision& b) {
  if (a.proposal.kind != b.proposal.kind || a.proposal.target != b.proposal.target) return false;
  if (a.proposal.kind == Proposal::Kind::kSet) return a.verdict.value == b.verdict.value;
  if (a.proposal.kind == Proposal::Kind::kBounds)
    return a.proposal.bounds_min == b.proposal.bounds_min &&
           a.proposal.bounds_max == b.proposal.bounds_max;
  return a.proposal.args == b.proposal.args;
}
}  // namespace

void EffectPipeline::propose(Decision& d, Nanos now) {
  // One proposal waits per target and kind (a value, an action, a bounds patch). The same one
  // again leaves it waiting (a policy asking every 2 s left 169 of them in 6 minutes); another
  // supersedes it.
  // A bounds patch waits beside other policies' for the same parameter: one policy's can
  // never supersede another's.
  const auto waiting = std::find_if(pending_.begin(), pending_.end(), [&](const auto& p) {
    const Decision& w = p.second.decision;
    return w.proposal.target == d.proposal.target && w.proposal.kind == d.proposal.kind &&
           (d.proposal.kind != Proposal::Kind::kBounds || w.policy == d.policy);
  });
  if (waiting != pending_.end() && same_proposal(waiting->second.decision, d)) {
    d.outcome = DecisionOutcome::kUnchanged;
    d.detail =
        "proposal " + std::to_string(waiting->first) + " for the same change is still waiting";
    record(d);
    return;
  }
  d.outcome = DecisionOutcome::kPending;
  d.detail = "waiting for approval";
  // A proposal the store does not hold could never be found again to approve.
  if (const auto stored = store(d); !stored) {
    d.outcome = DecisionOutcome::kFailed;
    d.detail = "not proposed: it could not be stored (" + stored.error() + ")";
    publish(d, true);
    return;
  }
  publish(d, true);
  const Nanos expires = now + ttl_of(d.proposal);
  pending_[d.id] = {d.id, d, expires};
  if (store_ != nullptr)
    count(store_->save_proposal({d.id, "pending", expires, decision_json(d), "", 0}));
  if (waiting == pending_.end()) return;
  Decision old = waiting->second.decision;
  old.outcome = DecisionOutcome::kSuperseded;
  old.detail = "superseded by proposal " + std::to_string(d.id);
  old.result_at = now;
  if (store_ != nullptr)
    count(store_->save_proposal(
        {old.id, "superseded", waiting->second.expires, decision_json(old), "", now}));
  finish(old);
  pending_.erase(waiting);
}

Result<std::optional<Decision>> EffectPipeline::approve(std::int64_t id, const std::string& who,
                                                        Nanos now) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return std::optional<Decision>();
  Decision d = it->second.decision;
  if (store_ != nullptr) {
    const auto saved =
        store_->save_proposal({id, "approved", it->second.expires, decision_json(d), who, now});
    count(saved);
    if (!saved) return Error{"the approval cannot be stored, so it is not taken: " + saved.error()};
  }
  pending_.erase(it);
  d.outcome = DecisionOutcome::kApproved;
  d.approved_by = who;
  d.result_at = now;
  finish(d);
  // Vetted again: the world may have moved since it was proposed.
  Decision now_d = d;
  now_d.at = now;
  now_d.verdict = guard_.vet(d.proposal, now);
  now_d.mode = Mode::kEnforce;
  now_d.proposal.reason = d.proposal.reason + " (approved by " + who + ")";
  if (d.proposal.kind == Proposal::Kind::kBounds) {
    approve_patch(now_d, now);
  } else if (!now_d.verdict.allowed()) {
    now_d.outcome = DecisionOutcome::kBlocked;
    now_d.detail = explain(now_d.verdict, d.proposal.target);
    record(now_d);
  } else {
    enact(now_d, now);
  }
  persist(now);
  return std::optional<Decision>(now_d);
}

// An approved bounds patch: no actuator, the patcher changes the operating bounds. Recorded
// whole once done, like an operator's override.
void EffectPipeline::approve_patch(Decision& d, Nanos now) {
  d.result_at = now;
  if (!d.verdict.allowed()) {
    d.outcome = DecisionOutcome::kBlocked;
    d.detail = explain_patch(d.verdict, d.proposal);
  } else if (!patcher_) {
    d.outcome = DecisionOutcome::kFailed;
    d.detail = "not applied: nothing here applies bounds patches";
  } else if (const auto done = patcher_(d, now); !done) {
    d.outcome = DecisionOutcome::kFailed;
    d.detail = "not applied: " + done.error();
  } else {
    d.outcome = DecisionOutcome::kApplied;
    d.detail = *done;
  }
  record(d);
}

Result<bool> EffectPipeline::reject(std::int64_t id, const std::string& who, Nanos now) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  Decision d = it->second.decision;
  if (store_ != nullptr) {
    const auto saved =
        store_->save_proposal({id, "rejected", it->second.expires, decision_json(d), who, now});
    count(saved);
    if (!saved)
      return Error{"the rejection cannot be stored, so it is not taken: " + saved.error()};
  }
  pending_.erase(it);
  d.outcome = DecisionOutcome::kRejected;
  d.detail = "rejected by " + who;
  d.result_at = now;
  finish(d);
  return true;
}

void EffectPipeline::tick(Nanos now) {
  if (pool_ != nullptr) {
    for (const auto& done : pool_->collect()) {
      const auto it = in_flight_.find(done.id);
      if (it == in_flight_.end()) continue;
      Decision d = std::move(it->second);
      in_flight_.erase(it);
      if (rollbacks_.erase(done.id) > 0)
        complete_rollback(d, done.result, now, done.timed_out);
      else
        complete(d, done.result, now, done.timed_out);
    }
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.expires > now) {
      ++it;
      continue;
    }
    Decision d = it->second.decision;
    if (store_ != nullptr) {
      const auto saved =
          store_->save_proposal({d.id, "expired", it->second.expires, decision_json(d), "", now});
      count(saved);
      if (!saved) {  // still pending in the store: it waits here too, and expires next tick
        ++it;
        continue;
      }
    }
    d.outcome = DecisionOutcome::kExpired;
    d.detail = "no approval within the TTL";
    d.result_at = now;
    finish(d);
    it = pending_.erase(it);
  }
  std::vector<Check> due;
  std::erase_if(checks_, [&](const Check& c) {
    if (c.due > now) return false;
    due.push_back(c);
    return true;
  });
  for (auto& check : due) {
    if (verify(check, now)) continue;
    check.due = now + kNanosPerSecond;
    checks_.push_back(std::move(check));
  }
  std::vector<Undo> undos;
  std::erase_if(undos_, [&](const Undo& u) {
    if (u.due > now) return false;
    undos.push_back(u);
    return true;
  });
  for (auto& u : undos) {
    if (undo(u, now)) continue;
    u.due = now + kNanosPerSecond;
    undos_.push_back(std::move(u));
  }
  persist(now);
}

bool EffectPipeline::verify(const Check& check, Nanos now) {
  const ParameterSpec* spec = guard_.parameter(check.change.proposal.target);
  if (spec == nullptr || !spec->verification) return true;
  const Verification& v = *spec->verification;
  const auto after = kpi_(v, now);
  if (!after) return true;
  const double before = check.before;
  const bool worse = v.higher_is_worse
                         ? *after > before * (1 + v.worse_by) && *after - before > 1e-12
                         : *after < before * (1 - v.worse_by) && before - *after > 1e-12;
  if (!worse) return true;
  char reason[200];
  std::snprintf(reason, sizeof reason,
                "%s of %s went from %g to %g after decision %lld: worse by more than %g %%",
                v.stat.c_str(), v.series.c_str(), before, *after,
                static_cast<long long>(check.change.id), v.worse_by * 100);
  // Retried when the store refused its intent (a failed rollback of id 0 was not attempted).
  const auto back = roll_back(check.change.proposal.target, check.previous_value, "setpoint:verify",
                              check.change.policy + "@" + check.change.policy_version, reason, now);
  return !(back && back->id == 0 && store_ != nullptr && back->outcome == DecisionOutcome::kFailed);
}

Decision EffectPipeline::bounds_only(const std::string& parameter, double value,
                                     const std::string& who, const std::string& version,
                                     const std::string& why, Nanos now) const {
  Decision d;
  d.at = now;
  d.policy = who;
  d.policy_version = version;
  d.proposal = Proposal::set(d.policy, parameter, value);
  d.proposal.reason = why;
  d.verdict = guard_.vet_rollback(parameter, value);
  // It still respects the global ceiling: in dry-run it is only a shadow.
  d.mode = options_.ceiling == Mode::kEnforce ? Mode::kEnforce : Mode::kObserve;
  return d;
}

std::optional<Decision> EffectPipeline::roll_back(const std::string& parameter, double value,
                                                  const std::string& who,
                                                  const std::string& version,
                                                  const std::string& why, Nanos now) {
  if (guard_.parameter(parameter) == nullptr) return std::nullopt;
  Decision d = bounds_only(parameter, value, who, version, why, now);
  if (!d.verdict.allowed()) {
    d.outcome = DecisionOutcome::kBlocked;
    d.detail = explain(d.verdict, parameter);
    record(d);
    return d;
  }
  if (d.mode == Mode::kObserve) {
    guard_.rolled_back(parameter, d.verdict.value, now);
    d.outcome = DecisionOutcome::kShadow;
    char text[64];
    std::snprintf(text, sizeof text, "would roll back to %g", d.verdict.value);
    d.detail = text;
    record(d);
    return d;
  }
  const auto it = actuators_.find(parameter);
  if (it == actuators_.end()) {
    d.outcome = DecisionOutcome::kFailed;
    d.detail = "no actuator is bound to " + parameter;
    record(d);
    return d;
  }
  if (!store_intent(d)) return d;
  if (observer_) observer_(d, true);
  Actuation actuation{parameter, key_for(d.proposal), actuated_value(d), {}, d.policy, why, now};
  if (pool_ !=
      nullptr) {  // off the engine thread, like any actuation; the result comes with tick()
    in_flight_[d.id] = d;
    rollbacks_.insert(d.id);
    pool_->submit(d.id, *it->second, std::move(actuation), actuation_timeout_);
    return d;
  }
  complete_rollback(d, it->second->apply(actuation), now, false);
  return d;
}

void EffectPipeline::complete_rollback(Decision& d, const ActuationResult& result, Nanos now,
                                       bool timed_out) {
  d.detail = result.detail;
  d.result_at = now;
  if (result.ok() || timed_out) {
    // A timed-out rollback may have happened: counted as done, the safe side for the guard.
    // An operator's override goes the same way as a rollback, but is no rollback.
    d.outcome = !result.ok()                     ? DecisionOutcome::kUnknown
                : d.policy_version == "override" ? DecisionOutcome::kApplied
                                                 : DecisionOutcome::kRolledBack;
    guard_.rolled_back(d.proposal.target, d.verdict.value, now);
    remember_parameter(d, d.verdict.value, now);
  } else {
    d.outcome = DecisionOutcome::kFailed;
  }
  finish(d);
}

}  // namespace setpoint

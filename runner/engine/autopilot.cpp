// The autopilot's cycles: begun, vetted, tracked through their changes' validations, ended,
// timed out (autopilot_learning.cpp holds the impact checks, bounds and drift monitor).
#include "engine/autopilot.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
using autopilot::CycleStatus;

constexpr std::size_t kRecent = 20;  // ended cycles and alerts the view keeps

CycleRow row_of(const autopilot::Cycle& c) {
  return {c.id,
          c.policy,
          c.started_at,
          c.completed_at,
          std::string(autopilot::status_name(c.status)),
          c.analysis,
          c.proposed_changes,
          c.outcome,
          c.error};
}

}  // namespace

Autopilot::Autopilot(const Config& config, Guard& guard, EffectPipeline& pipeline,
                     AuditStore* store, HistoryStatReader history)
    : config_(config.autopilot),
      sliding_(config.sliding_bounds),
      guard_(&guard),
      pipeline_(&pipeline),
      store_(store),
      history_(std::move(history)) {}

void Autopilot::save(const autopilot::Cycle& cycle) {
  if (!store_) return;
  const auto saved = store_->save_cycle(row_of(cycle));
  if (!saved && !store_failing_) {
    alert("store_unwritable",
          "cycle " + cycle.id +
              " cannot be recorded; autopilot runs no cycle until it can: " + saved.error());
  }
  store_failing_ = !saved;
}

void Autopilot::alert(const std::string& kind, const std::string& message) {
  spdlog::error("autopilot: {}", message);
  ++counts_.alerts;
  recent_alerts_.push_back(kind + ": " + message);
  if (recent_alerts_.size() > kRecent) recent_alerts_.erase(recent_alerts_.begin());
  if (alert_sink_) alert_sink_(kind, message);
}

std::optional<std::string> Autopilot::begin(const std::string& policy,
                                            const bindings::AutopilotInfo& info,
                                            bool paused_by_operator, Nanos now) {
  autopilot::Cycle cycle;
  cycle.id = policy + "@" + format_rfc3339(now);
  cycle.policy = policy;
  cycle.started_at = now;
  std::string why;
  if (monitor_.paused(now)) {
    why =
        "autopilot is paused by the drift monitor until " + format_rfc3339(monitor_.paused_until());
  } else if (paused_by_operator) {
    why = "changes are paused by an operator";
  } else if (std::any_of(running_.begin(), running_.end(),
                         [&](const Running& r) { return r.cycle.policy == policy; })) {
    why = "its previous cycle is still validating";
  }
  if (!why.empty()) {
    cycle.status = CycleStatus::kSkipped;
    cycle.completed_at = now;
    cycle.error = why;
    save(cycle);
    ++counts_.cycles["skipped"];
    recent_.push_back(cycle);
    if (recent_.size() > kRecent) recent_.erase(recent_.begin());
    spdlog::info("autopilot: cycle {} skipped: {}", cycle.id, why);
    return std::nullopt;
  }
  // The cycle's row is written before the policy runs: a cycle the store cannot record is not
  // run, so no change is ever made that the store cannot account for.
  save(cycle);
  if (store_failing_) {
    ++counts_.cycles["skipped"];
    return std::nullopt;
  }
  Running r;
  r.cycle = cycle;
  r.info = info;
  r.deadline = now + info.max_duration.value_or(config_.max_duration);
  running_.push_back(std::move(r));
  return cycle.id;
}

Autopilot::Running* Autopilot::running_for(const std::string& cycle) {
  for (Running& r : running_) {
    if (r.cycle.id == cycle) return &r;
  }
  return nullptr;
}

void Autopilot::failed(const std::string& cycle, const std::string& why, Nanos now) {
  if (Running* r = running_for(cycle)) end(*r, CycleStatus::kFailed, why, now);
  std::erase_if(running_, [](const Running& r) { return r.cycle.completed_at != 0; });
}

bool Autopilot::vetted(const std::string& cycle, std::vector<Proposal>& proposals, Nanos now) {
  std::string garbage;
  for (const Proposal& p : proposals) {
    if (p.kind != Proposal::Kind::kSet)
      garbage =
          "a cycle proposes parameter changes, not actions or bounds patches (" + p.target + ")";
    else if (!p.expected)
      garbage = "the proposal for " + p.target + " says no expected impact";
    else if (!p.confidence)
      garbage = "the proposal for " + p.target + " says no confidence";
    if (!garbage.empty()) break;
  }
  if (!garbage.empty()) {
    failed(cycle, "proposed garbage: " + garbage + "; nothing of the cycle was applied", now);
    return false;
  }
  for (Proposal& p : proposals) {
    p.cycle = cycle;
    const auto it = bounds_.find(p.target);
    if (const auto* v = std::get_if<double>(&p.value); v && it != bounds_.end()) {
      it->second.wanted(*v);  // the side it reached counts for anti-windup
    }
  }
  return true;
}

void Autopilot::submitted(const std::string& cycle, const std::string& analysis,
                          const std::vector<Decision>& decisions, Nanos now) {
  Running* r = running_for(cycle);
  if (r == nullptr) return;
  r->cycle.analysis = analysis.empty() ? "{}" : analysis;
  std::string proposed = "[";
  for (const Decision& d : decisions) {
    if (proposed.size() > 1) proposed += ",";
    proposed += decision_json(d);
    const bool on_its_way = d.outcome == DecisionOutcome::kIntent;
    const bool staged = d.outcome == DecisionOutcome::kStaged;
    if (!on_its_way && !staged && d.outcome != DecisionOutcome::kApplied)
      continue;  // blocked, shadow…
    Change c;
    c.decision = d.id;
    c.target = d.proposal.target;
    c.previous = d.verdict.current;
    c.value = d.verdict.value;
    c.expected = d.proposal.expected;
    // A rolled-out change is the rollout's to judge from now on: the cycle is done with it,
    // and rollout_ended() brings it back for its impact check (or counts its rollback).
    c.staged = c.done = staged;
    r->changes.push_back(c);
    if (!on_its_way && !staged) applied(r->changes.back(), d.result_at ? d.result_at : now);
  }
  r->cycle.proposed_changes = proposed + "]";
  r->cycle.outcome = outcome_json(*r);
  save(r->cycle);
}

void Autopilot::applied(Change& c, Nanos at) {
  c.applied_at = at;
  monitor_.change_applied(c.decision, c.target, at);
  // A newer change of the same parameter: the older one's impact can no longer be told apart.
  for (const ImpactCheck& old : impacts_) {
    if (old.target != c.target) continue;
    if (store_) {
      (void)store_->save_impact(impact_row(old, at,
                                           "not measured: superseded by decision " +
                                               std::to_string(c.decision) +
                                               " before its verify window ended"));
    }
  }
  std::erase_if(impacts_, [&](const ImpactCheck& old) { return old.target == c.target; });
}

void Autopilot::observe(const Decision& d) {
  using enum DecisionOutcome;
  if (took_effect(d.outcome) && d.proposal.kind == Proposal::Kind::kSet) {
    auto& times = moved_[d.proposal.target];
    times.push_back(d.result_at ? d.result_at : d.at);
    if (times.size() > 64) times.erase(times.begin());
    // parameter_bounds.current_value follows the value, whoever moved it.
    if (bounds_.count(d.proposal.target)) save_bounds_row(d.proposal.target, times.back());
  }
  if (d.outcome == kRolledBack && d.policy != "setpoint:autopilot") {
    rolled_back(d.proposal.target, 0, d.verdict.value, d.result_at ? d.result_at : d.at);
    return;
  }
  if (d.outcome != kApplied && d.outcome != kUnknown && d.outcome != kFailed) return;
  for (auto it = promoting_.begin(); it != promoting_.end(); ++it) {
    if (it->second.decision != d.id) continue;
    if (d.outcome != kFailed) {  // unknown counts as applied
      applied(it->second, d.result_at ? d.result_at : d.at);
      schedule_impact(it->first, it->second);
    }
    promoting_.erase(it);
    return;
  }
  for (Running& r : running_) {
    for (Change& c : r.changes) {
      if (c.decision != d.id || c.applied_at != 0 || c.done) continue;
      if (d.outcome == kFailed)
        c.done = true;  // nothing changed: nothing to validate or undo
      else
        applied(c, d.result_at ? d.result_at : d.at);  // unknown counts as applied
      r.cycle.outcome = outcome_json(r);
      save(r.cycle);
      return;
    }
  }
  // A change of a cycle that timed out while it was in flight: undone once it lands.
  for (auto it = late_undos_.begin(); it != late_undos_.end(); ++it) {
    if (it->second.decision != d.id) continue;
    if (d.outcome != kFailed) {
      roll_back(it->first, it->second,
                "cycle " + it->first + " timed out before this change was applied",
                d.result_at ? d.result_at : d.at);
    }
    late_undos_.erase(it);
    return;
  }
}

void Autopilot::watch_cycles(Nanos now) {
  for (Running& r : running_) {
    bool all_done = true;
    for (Change& c : r.changes) {
      if (!c.done && c.applied_at == 0 && !pipeline_->in_flight(c.decision)) settle(c, now);
      if (!c.done && c.applied_at != 0 && !pipeline_->in_flight(c.decision) &&
          !pipeline_->verifying(c.decision)) {
        c.done = true;
        schedule_impact(r, c);
      }
      all_done = all_done && c.done;
    }
    if (all_done)
      end(r, r.rolled_back ? CycleStatus::kRolledBack : CycleStatus::kCompleted, "", now);
    else if (now >= r.deadline)
      time_out(r, now);
  }
  std::erase_if(running_, [](const Running& r) { return r.cycle.completed_at != 0; });
  settle_late_undos(now);
}

// A timed-out cycle's change no longer in flight, whose answer never came here (a restart
// came between, or its actuator timed out): the store says whether it landed; if it did, it
// is undone now. At most 100 are kept; the oldest past that is given up, with an alert.
void Autopilot::settle_late_undos(Nanos now) {
  for (auto it = late_undos_.begin(); it != late_undos_.end();) {
    if (pipeline_->in_flight(it->second.decision) || !store_) {
      ++it;
      continue;
    }
    const auto stored = store_->decision(it->second.decision);
    if (!stored || !*stored || (*stored)->outcome.empty()) {
      ++it;  // not settled yet (or unreadable): asked again next pass
      continue;
    }
    const auto outcome = parse_outcome((*stored)->outcome);
    if (outcome && took_effect(*outcome)) {
      roll_back(it->first, it->second,
                "cycle " + it->first + " timed out before this change was applied", now);
    }
    it = late_undos_.erase(it);
  }
  while (late_undos_.size() > 100) {
    alert("late_undo_dropped", "decision " + std::to_string(late_undos_.front().second.decision) +
                                   " of a timed-out cycle is no longer watched for undoing");
    late_undos_.erase(late_undos_.begin());
  }
}

// A change whose actuation is no longer in flight but was never heard of: a restart came
// between (the pipeline settled its intent from the target). The store says what it became.
void Autopilot::settle(Change& c, Nanos now) {
  if (!store_) return;
  const auto stored = store_->decision(c.decision);
  if (!stored || !*stored || (*stored)->outcome.empty()) return;  // asked again next pass
  const auto outcome = parse_outcome((*stored)->outcome);
  if (outcome && took_effect(*outcome))
    applied(c, now);
  else
    c.done = true;  // failed or not applied: nothing to validate or undo
}

void Autopilot::time_out(Running& r, Nanos now) {
  std::size_t undone = 0, late = 0;
  for (Change& c : r.changes) {
    if (c.done) continue;
    if (c.applied_at != 0) {
      pipeline_->cancel_verification(c.decision);
      roll_back(r.cycle.id, c,
                "cycle " + r.cycle.id +
                    " passed its max_duration before this "
                    "change's validation ended",
                now);
      c.done = true;
      ++undone;
    } else {
      c.done = true;  // the actuator has not answered: undone when it does
      late_undos_.push_back({r.cycle.id, c});
      ++late;
    }
  }
  const std::string why =
      "passed its max_duration of " + format_duration(r.deadline - r.cycle.started_at) + "; " +
      std::to_string(undone) + " unfinished change(s) rolled back" +
      (late ? ", " + std::to_string(late) + " when their actuator answers" : "");
  alert("timed_out", "cycle " + r.cycle.id + " " + why);
  end(r, CycleStatus::kTimedOut, why, now);
}

void Autopilot::end(Running& r, CycleStatus status, const std::string& why, Nanos now) {
  r.cycle.status = status;
  r.cycle.completed_at = now;
  r.cycle.error = why;
  r.cycle.outcome = outcome_json(r);
  save(r.cycle);
  monitor_.cycle_ended(now, autopilot::failed(status));
  ++counts_.cycles[std::string(autopilot::status_name(status))];
  recent_.push_back(r.cycle);
  if (recent_.size() > kRecent) recent_.erase(recent_.begin());
  if (status == CycleStatus::kFailed)
    alert("failed", "cycle " + r.cycle.id + " failed: " + why);
  else
    spdlog::info("autopilot: cycle {} {}", r.cycle.id, autopilot::status_name(status));
}

void Autopilot::roll_back(const std::string& cycle, const Change& c, const std::string& why,
                          Nanos now) {
  ++counts_.rollbacks;
  (void)pipeline_->roll_back(c.target, c.previous, "setpoint:autopilot", cycle, why, now);
  rolled_back(c.target, c.decision, c.previous, now);
}

std::string Autopilot::outcome_json(const Running& r) const {
  json changes = json::array();
  for (const Change& c : r.changes) {
    json one = {{"decision", c.decision}, {"target", c.target},         {"previous", c.previous},
                {"value", c.value},       {"applied_at", c.applied_at}, {"done", c.done},
                {"staged", c.staged}};
    if (c.expected) {
      one["expected"] = {{"series", c.expected->series},
                         {"stat", c.expected->stat},
                         {"change", c.expected->change},
                         {"better", c.expected->higher_is_worse ? "lower" : "higher"}};
    }
    changes.push_back(one);
  }
  return dump({{"deadline", r.deadline},
               {"verify", r.info.verify},
               {"worse_by", r.info.worse_by},
               {"error_floor", r.info.error_floor},
               {"max_duration", r.info.max_duration.value_or(config_.max_duration)},
               {"rolled_back", r.rolled_back},
               {"changes", changes}});
}

}  // namespace setpoint::runner

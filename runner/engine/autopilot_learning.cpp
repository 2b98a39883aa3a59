// What the autopilot learns from its cycles: each change's impact read from the hourly
// history, the operating bounds that widen and narrow, the drift monitor
// (autopilot_state.cpp keeps all of it across a restart).
#include <spdlog/spdlog.h>

#include <cmath>

#include "engine/autopilot.hpp"
#include "setpoint/autopilot/impact.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr Nanos kHour = 3600 * kNanosPerSecond;
constexpr Nanos kMinute = 60 * kNanosPerSecond;

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", share * 100);
  return text;
}

}  // namespace

// An ended cycle whose change did not hold: its row (and the view's copy) says rolled_back.
void Autopilot::mark_rolled_back(const std::string& cycle) {
  for (autopilot::Cycle& c : recent_) {
    if (c.id == cycle) c.status = autopilot::CycleStatus::kRolledBack;
  }
  if (!store_) return;
  const auto row = store_->cycle(cycle);
  if (!row || !*row || (*row)->status != "completed") return;
  CycleRow updated = **row;
  updated.status = "rolled_back";
  if (const auto saved = store_->save_cycle(updated); !saved)
    alert("store_unwritable", "cycle " + cycle + " cannot be marked rolled back: " + saved.error());
}

ImpactRow Autopilot::impact_row(const ImpactCheck& check, Nanos now, std::string detail) {
  ImpactRow row;
  row.decision = check.decision;
  row.cycle = check.cycle;
  row.target = check.target;
  row.series = check.expected.series;
  row.stat = check.expected.stat;
  row.before = row.after = row.actual = row.error = std::nan("");
  row.predicted = check.expected.change;
  row.checked_at = now;
  row.detail = std::move(detail);
  return row;
}

void Autopilot::rolled_back(const std::string& target, std::int64_t decision, double to,
                            Nanos now) {
  // Another's rollback (a validation, an operator) of a change still being watched: found by
  // its parameter, the one change of it a cycle has in flight or unmeasured.
  for (Running& r : running_) {
    for (Change& c : r.changes) {
      if (c.target != target || c.done || (decision != 0 && c.decision != decision)) continue;
      if (decision == 0) decision = c.decision;
      c.done = true;
      r.rolled_back = true;
    }
  }
  std::string ended;  // the cycle of a change whose impact was still to be measured
  for (const ImpactCheck& check : impacts_) {
    if (check.target == target && (decision == 0 || check.decision == decision)) {
      decision = check.decision;
      ended = check.cycle;
    }
  }
  if (decision == 0) return;  // not a change of the autopilot's
  std::erase_if(impacts_, [&](const ImpactCheck& c) { return c.decision == decision; });
  monitor_.rolled_back(decision);
  if (!ended.empty()) mark_rolled_back(ended);
  const auto it = bounds_.find(target);
  if (it != bounds_.end()) {
    const auto rules = sliding_.at(target).rules;
    const bool was_frozen = it->second.frozen();
    it->second.rolled_back(rules, to, now);  // around the value it goes back to
    if (it->second.frozen() && !was_frozen) {
      alert("frozen", target + " is frozen for autopilot after " +
                          std::to_string(it->second.rollbacks(now, rules)) +
                          " rollbacks; flagged for triage (setpoint params)");
    }
    bounds_changed(target, now);
  }
}

void Autopilot::rollout_ended(const std::string& cycle, std::int64_t staged, Nanos started_at,
                              const std::optional<Decision>& promotion, Nanos now) {
  const auto r = cycle_of(cycle);
  const auto c = r ? std::find_if(r->changes.begin(), r->changes.end(),
                                  [&](const Change& x) { return x.decision == staged; })
                   : std::vector<Change>::const_iterator{};
  if (!r || c == r->changes.end()) {
    spdlog::warn(
        "autopilot: the rollout of decision {} ended, but its cycle {} is not found: "
        "its impact is not checked",
        staged, cycle);
    return;
  }
  if (!promotion) {  // the judge, an operator or an actuator rolled it back
    ++counts_.rollbacks;
    monitor_.change_applied(staged, c->target, started_at);  // it met real traffic
    rolled_back(c->target, staged, c->previous, now);
    for (Running& running : running_) {
      if (running.cycle.id == cycle) running.rolled_back = true;
    }
    mark_rolled_back(cycle);
    return;
  }
  using enum DecisionOutcome;
  if (promotion->outcome != kApplied && promotion->outcome != kUnknown &&
      promotion->outcome != kIntent)
    return;  // blocked or a shadow (the ceiling came down), or failed: nothing changed
  Change promoted = *c;
  promoted.decision = promotion->id;
  promoted.staged = false;
  if (promotion->outcome == kIntent) {  // its actuator answers later: observe() goes on
    promoting_.emplace_back(*r, promoted);
    return;
  }
  applied(promoted, promotion->result_at ? promotion->result_at : now);
  schedule_impact(*r, promoted);
}

void Autopilot::schedule_impact(const Running& r, const Change& c) {
  if (!c.expected || c.applied_at == 0) return;
  // The hours after the change, leaving out the hour it was made in and the last one (so a
  // daily cycle's check is done before the next cycle runs); the baseline is the same hours
  // of day one verify window earlier, which cancels daily seasonality.
  const Nanos h0 = c.applied_at / kHour * kHour;
  ImpactCheck check;
  check.decision = c.decision;
  check.cycle = r.cycle.id;
  check.target = c.target;
  check.expected = *c.expected;
  check.previous = c.previous;
  check.applied_at = c.applied_at;
  check.due = h0 + r.info.verify - kHour + 3 * kMinute;  // that hour flushed to the store
  check.give_up = check.due + 2 * kHour;
  check.worse_by = r.info.worse_by;
  check.floor = r.info.error_floor;
  check.verify = r.info.verify;
  impacts_.push_back(check);
}

void Autopilot::check_impacts(Nanos now) {
  // The due ones are taken out first: measuring one may roll its change back, and a rollback
  // drops that parameter's checks from impacts_ (erasing under a loop over it would be UB).
  std::vector<ImpactCheck> due;
  for (auto it = impacts_.begin(); it != impacts_.end();) {
    if (now >= it->due) {
      due.push_back(std::move(*it));
      it = impacts_.erase(it);
    } else {
      ++it;
    }
  }
  for (ImpactCheck& check : due) {
    if (!measure(check, now)) impacts_.push_back(std::move(check));  // not flushed yet: later
  }
}

bool Autopilot::measure(ImpactCheck& check, Nanos now) {
  const Nanos h0 = check.applied_at / kHour * kHour;
  const Nanos from = h0 + kHour, to = h0 + check.verify - kHour;
  const auto after = history_ ? history_(check.expected.series, check.expected.stat, from, to)
                              : Result<HistoryStat>(Error{"no history is kept"});
  const auto before = history_ ? history_(check.expected.series, check.expected.stat,
                                          from - check.verify, to - check.verify)
                               : after;
  const bool complete = after && after->hours_found == after->hours_asked;
  if ((!after || !before || !complete) && now < check.give_up) return false;  // not yet flushed
  ImpactRow row = impact_row(check, now, "");
  const Nanos baseline_from = from - check.verify;
  // Moved by another change or a rollback between the baseline and this change, or after it
  // within the window: the hours compared are not this change's alone, and a rollback to its
  // previous value would undo someone else's newer one.
  bool before_moved = false, after_moved = false;
  for (const Nanos t : moved_[check.target]) {
    before_moved = before_moved || (t >= baseline_from && t < check.applied_at);
    after_moved = after_moved || (t > check.applied_at && t < to);
  }
  if (before_moved || after_moved) {
    row.detail = "not measured: " + check.target + " moved " +
                 (before_moved ? "during the baseline" : "after the change, within its window") +
                 " (another change or a rollback), so the hours compared are not this change's";
  } else if (!after || !before) {
    row.detail =
        "not measured: the history cannot be read: " + (after ? before.error() : after.error());
  } else {
    const auto impact = autopilot::measure(check.expected, before->value, after->value, check.floor,
                                           check.worse_by);
    if (before->value) row.before = *before->value;
    if (after->value) row.after = *after->value;
    if (!impact) {
      row.detail = "not measured: nothing to compare (" + std::to_string(before->hours_found) +
                   " of " + std::to_string(before->hours_asked) + " hours before, " +
                   std::to_string(after->hours_found) + " of " +
                   std::to_string(after->hours_asked) + " after)";
    } else {
      row.actual = impact->actual;
      row.error = impact->error;
      row.worse = impact->worse;
      // A change rolled back for making things worse counts in the rollback rate, not in the
      // mean prediction error too: one bad change is one fact, not two triggers.
      if (!impact->worse) monitor_.impact_measured(check.decision, impact->error, now);
      ++counts_.impacts;
      row.detail = check.expected.stat + " of " + check.expected.series + " moved " +
                   percent(impact->actual) + " (predicted " + percent(impact->predicted) +
                   "), prediction error " + percent(impact->error);
      if (impact->worse) {
        row.detail += "; worse by more than " + percent(check.worse_by) + ": rolled back";
        Change c;
        c.decision = check.decision;
        c.target = check.target;
        c.previous = check.previous;
        roll_back(check.cycle, c, "impact check: " + row.detail, now);
        mark_rolled_back(check.cycle);  // taken out of impacts_ to be measured: said here
      }
    }
  }
  spdlog::info("autopilot: decision {} ({}): {}", check.decision, check.target, row.detail);
  if (store_) {
    if (const auto saved = store_->save_impact(row); !saved)
      alert("store_unwritable", "impact of decision " + std::to_string(check.decision) +
                                    " cannot be recorded: " + saved.error());
  }
  return true;
}

void Autopilot::bounds_changed(const std::string& parameter, Nanos now) {
  const autopilot::OperatingBounds& b = bounds_.at(parameter);
  guard_->set_operating_range(parameter, OperatingRange{b.min(), b.max(), b.frozen()});
  ++counts_.bounds_adjustments;
  const auto& last = b.history().back();
  spdlog::info("autopilot: {} operating bounds {}: [{:g}, {:g}] -> [{:g}, {:g}] ({})", parameter,
               last.kind, last.old_min, last.old_max, last.new_min, last.new_max, last.why);
  save_bounds_row(parameter, now);
}

void Autopilot::save_bounds_row(const std::string& parameter, Nanos now) {
  if (const auto saved =
          write_bounds_row(parameter, bounds_.at(parameter), sliding_.at(parameter).rules, now);
      !saved)
    alert("store_unwritable",
          parameter + ": its operating bounds cannot be recorded: " + saved.error());
}

// The parameter_bounds row: the range, the value it holds now, its history.
Result<void> Autopilot::write_bounds_row(const std::string& parameter,
                                         const autopilot::OperatingBounds& b,
                                         const autopilot::BoundsRules& rules, Nanos now) {
  if (!store_) return {};
  json history = json::array();
  for (const auto& a : b.history()) {
    history.push_back({{"at", format_rfc3339(a.at)},
                       {"kind", a.kind},
                       {"old", {a.old_min, a.old_max}},
                       {"new", {a.new_min, a.new_max}},
                       {"why", a.why}});
  }
  BoundsRow row{parameter,
                b.min(),
                b.max(),
                guard_->value(parameter).value_or(b.min()),
                (now - b.since()) / autopilot::kDay,
                static_cast<std::int64_t>(b.rollbacks(now, rules)),
                b.frozen(),
                now,
                b.to_json(),
                dump(history)};
  return store_->save_bounds(row);
}

void Autopilot::adjust_bounds(Nanos now) {
  for (auto& [parameter, b] : bounds_) {
    if (b.widen_if_stable(sliding_.at(parameter).rules, now)) bounds_changed(parameter, now);
  }
}

void Autopilot::watch_drift(Nanos now) {
  const bool paused = monitor_.paused(now);
  if (was_paused_ && !paused) {
    spdlog::info("autopilot: the drift monitor's pause has ended");
    if (store_) (void)store_->resolve_drift_events(now);
  }
  was_paused_ = paused;
  const auto trip = monitor_.check(config_.drift, now);
  if (!trip) return;
  was_paused_ = true;
  json contracted = json::array();
  for (const std::string& p : trip->parameters) {
    const auto it = bounds_.find(p);
    if (it == bounds_.end()) continue;
    it->second.contract(sliding_.at(p).rules, guard_->value(p).value_or(it->second.min()), now,
                        "the drift monitor tripped (" + trip->kind + ")");
    bounds_changed(p, now);
    contracted.push_back(p);
  }
  const auto& f = trip->figures;
  const json metrics = {{"value", trip->value},
                        {"threshold", trip->threshold},
                        {"mean_prediction_error", f.mean_error},
                        {"measured", f.measured},
                        {"rollback_rate", f.rollback_rate},
                        {"changes", f.changes},
                        {"rolled_back", f.rolled_back},
                        {"consecutive_failures", f.consecutive_failures}};
  const json action = {{"pause", format_duration(trip->pause)},
                       {"until", format_rfc3339(trip->until)},
                       {"contracted", contracted}};
  const std::string message = trip->kind + ": " + std::to_string(trip->value).substr(0, 6) +
                              " past " + std::to_string(trip->threshold).substr(0, 6) +
                              "; autopilot paused for " + format_duration(trip->pause) +
                              " (until " + format_rfc3339(trip->until) + ")";
  ++counts_.drift_events[trip->kind];
  alert("drift", message);
  if (store_) {
    const auto recorded = store_->record_drift_event(
        {0, now, trip->kind, "autopilot", message, dump(metrics), dump(action), 0});
    if (!recorded)
      spdlog::error("autopilot: the drift event cannot be recorded: {}", recorded.error());
  }
}

void Autopilot::tick(Nanos now) {
  watch_cycles(now);
  check_impacts(now);
  adjust_bounds(now);
  watch_drift(now);
  save_state(now);
}

bool Autopilot::lift(const std::string& who, Nanos now) {
  if (!monitor_.lift(now)) return false;
  spdlog::warn("autopilot: the drift monitor's pause is lifted by {}", who);
  was_paused_ = false;
  if (store_) (void)store_->resolve_drift_events(now);
  flush(now);
  return true;
}

bool Autopilot::unfreeze(const std::string& parameter, const std::string& who, Nanos now) {
  const auto it = bounds_.find(parameter);
  if (it == bounds_.end() || !it->second.unfreeze(now, who)) return false;
  bounds_changed(parameter, now);
  return true;
}

}  // namespace setpoint::runner

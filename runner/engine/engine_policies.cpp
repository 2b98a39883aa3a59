// The policies as the engine thread runs them: adopted as the folder loads each version (its
// schedule, its saved ctx.state), given their inputs (windows, parameters, the record, the
// history), evaluated when due, and what each proposed handed to the pipeline.
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"
#include "engine/policy_records.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::runner {
namespace {

std::string state_key(const std::string& policy) { return "policy:" + policy; }

// A parameter's value as a policy sees it: numbers, bools, or the enum's choice.
std::optional<ProposedValue> param_value(const Guard& guard, std::string_view name) {
  const ParameterSpec* spec = guard.parameter(name);
  const auto value = guard.value(name);
  if (spec == nullptr || !value) return std::nullopt;
  switch (spec->type) {
    case ParamType::kBool: return ProposedValue(*value != 0);
    case ParamType::kEnum: {
      const auto i = static_cast<std::size_t>(*value);
      if (i >= spec->choices.size()) return std::nullopt;
      return ProposedValue(spec->choices[i]);
    }
    default: return ProposedValue(*value);
  }
}

}  // namespace

void Engine::adopt(const std::vector<std::string>& changed, Nanos wall) {
  for (const auto& file : changed) {
    const auto& status = folder_->status().at(file);
    const auto live = folder_->live().find(file);
    if (live == folder_->live().end()) {
      if (running_.erase(file) > 0 || status.gone)
        spdlog::info("policy file {}: {}", file, status.message);
      else if (!status.ok)
        spdlog::error("policy file {}: {}", file, status.message);
      continue;
    }
    if (!status.ok) {
      spdlog::error("policy file {}: {}", file, status.message);
      continue;
    }
    const bindings::PolicyInfo& info = live->second.info;
    const PolicyOverride* o = nullptr;
    if (const auto it = config_.policies.overrides.find(info.name);
        it != config_.policies.overrides.end())
      o = &it->second;
    std::vector<std::string> targets = info.params;
    targets.insert(targets.end(), info.actions.begin(), info.actions.end());
    pipeline_->declare(info.name, targets);
    pipeline_->declare_reviewer(info.name, info.triage.has_value());

    const bool fresh = running_.count(file) == 0;
    RunningPolicy& running = running_[file];
    running.file = file;
    running.disabled = !config_.policies.runs(info.name);
    const Nanos every = o && o->every ? *o->every : info.every;
    std::string calendar =
        o && o->schedule ? *o->schedule : (o && o->every ? std::string() : info.schedule);
    // An autopilot policy that names no schedule runs on the autopilot's; an interval is no
    // cycle's (a cycle a second would be no slow loop), said rather than silently dropped.
    if (info.autopilot && o && o->every && !o->schedule)
      spdlog::warn(
          "policy {}: policies.overrides.{}.every is ignored: an autopilot policy runs "
          "on a schedule (give schedule: instead)",
          info.name, info.name);
    if (info.autopilot && calendar.empty()) calendar = config_.autopilot.schedule;
    if (info.triage && calendar.empty()) calendar = "weekly sun 02:00";
    auto schedule = Schedule::make(every, calendar);
    if (!schedule) {
      running.schedule.reset();
      running.last_error = schedule.error();
      spdlog::error("policy {}: {}", info.name, schedule.error());
      continue;
    }
    running.schedule = *schedule;
    if (fresh) {
      running.health = bindings::PolicyHealth(health_options());
      running.next_due = running.schedule->next_after(wall);
      // ctx.state from the last run before a restart.
      if (store_) {
        const auto saved = store_->load_state(state_key(info.name));
        if (!saved) {
          spdlog::error("policy {}: its saved ctx.state cannot be read, it starts empty: {}",
                        info.name, saved.error());
        } else if (*saved) {
          if (const auto restored = live->second.state->restore_state(**saved))
            running.saved_state = **saved;
          else
            spdlog::error("policy {}: its saved ctx.state cannot be restored: {}", info.name,
                          restored.error());
        }
      }
    }
    spdlog::info("policy {} ({}): {}, {}", info.name, file, status.message,
                 running.schedule->text());
  }
}

bindings::PolicyInputs Engine::inputs(Nanos wall, Guard& guard) {
  bindings::PolicyInputs in;
  in.now = wall;
  in.outcomes = &aggregator_.outcomes();
  in.window = [this, wall](const std::string& key, Nanos span) -> std::optional<WindowStats> {
    if (span <= 0 || !aggregator_.windows().resolution_for(span)) return std::nullopt;
    const auto id = aggregator_.find(key);
    if (!id) return WindowStats{};
    return aggregator_.read(*id, wall, span, scratch_);
  };
  in.series = [this](const std::string& metric) {
    std::vector<Labels> out;
    aggregator_.for_each_series([&](const Series& s) {
      if (s.metric == metric) out.push_back(s.labels);
    });
    return out;
  };
  in.param = [&guard](std::string_view name) { return param_value(guard, name); };
  in.bounds = [&guard](std::string_view name) -> std::optional<bindings::ParamBounds> {
    const ParameterSpec* spec = guard.parameter(name);
    if (spec == nullptr || !spec->numeric()) return std::nullopt;
    bindings::ParamBounds b;
    b.value = guard.value(name).value_or(spec->initial);
    b.min = spec->min;
    b.max = spec->max;
    if (const auto range = guard.operating_range(name)) {
      b.operating_min = range->min;
      b.operating_max = range->max;
      b.frozen = range->frozen;
    }
    return b;
  };
  if (store_) {
    in.records = [this](const bindings::RecordQuery& q) { return read_records(*store_, q); };
  }
  if (history_reader_) {
    in.history = [this, wall](const std::string& key, Nanos span,
                              Nanos by) -> Result<history::HistoryAnswer> {
      constexpr Nanos kHour = 3600 * kNanosPerSecond;
      const Nanos to = wall / kHour * kHour;  // the closed hours of the span
      const Nanos from = (wall - span) / kHour * kHour;
      const auto hours = history_reader_->read(key, from, to);
      if (!hours) return Error{hours.error()};
      return history::summarize(*hours, from, to, by, aggregator_.outcomes(), scratch_);
    };
  }
  return in;
}

void Engine::evaluate(const std::string& file, bindings::LivePolicy& live, RunningPolicy& running,
                      Nanos wall, const std::string& cycle, const TriageRun* triage) {
  const std::string& name = live.info.name;
  auto& counts = metrics_.policies[name];
  auto in = inputs(wall, *guard_);
  // A shadow version beside it (never beside a cycle's or a triage run's) is vetted against
  // the guard as it stood before this evaluation.
  ShadowRun* shadow = cycle.empty() && !live.info.triage ? shadow_for(file) : nullptr;
  const std::set<std::string> apart = shadow ? follow_live(file, *shadow) : std::set<std::string>{};
  std::optional<TriageRun> run;
  if (live.info.triage) {
    run = triage ? *triage : TriageRun{name, "schedule", wall - live.info.triage->window, wall};
    in.period_start = run->from;
  }
  bindings::PolicyOutputs out;
  const Nanos started = options_.cpu_clock->monotonic();
  const auto result = live.state->evaluate(in, out);
  const Nanos took = options_.cpu_clock->monotonic() - started;
  running.last_run = wall;
  running.last_duration_ms = static_cast<double>(took) / kNanosPerMilli;
  ++running.evaluations;
  ++counts.evaluations;
  counts.seconds += static_cast<double>(took) / kNanosPerSecond;
  if (!result.ok()) {
    ++running.failures;
    ++counts.errors;
    running.last_error = result.message;
    record_alert(name, "policy_error", result.message, wall);
    if (running.health.failure(wall, result.message)) {
      spdlog::error("policy {} quarantined until {} after {} failures in a row: {}", name,
                    format_rfc3339(running.health.quarantined_until()),
                    config_.policies.failures_to_quarantine, result.message);
      record_alert(name, "quarantine",
                   "quarantined until " + format_rfc3339(running.health.quarantined_until()) +
                       " after " + std::to_string(config_.policies.failures_to_quarantine) +
                       " failures in a row",
                   wall);
    } else {
      spdlog::error("{} ({})", result.message, file);
    }
    if (!cycle.empty()) autopilot_->failed(cycle, result.message, wall);
    return;
  }
  running.health.success();
  for (const auto& line : out.logs) spdlog::info("policy {}: {}", name, line);
  for (const auto& alert : out.alerts) {
    spdlog::warn("policy {} alert: {}", name, alert);
    record_alert(name, "alert", alert, wall);
  }
  if (!cycle.empty()) {
    // A cycle's proposals are all sound or none is submitted; each carries its cycle.
    if (autopilot_->vetted(cycle, out.proposals, wall)) {
      running.proposals += out.proposals.size();
      const auto decisions =
          pipeline_->submit(name, live.hash, out.proposals, out.evidence(), wall);
      autopilot_->submitted(cycle, out.evidence(), decisions, wall);
    }
  } else {
    std::vector<Decision> decisions;
    if (!out.proposals.empty() || run) {
      running.proposals += out.proposals.size();
      decisions = pipeline_->submit(name, live.hash, out.proposals, out.evidence(), wall);
      if (run) last_report_ = save_triage(*run, out, decisions);
    }
    if (shadow) run_shadow(file, *shadow, decisions, apart, wall);
  }
  if (const auto state = live.state->save_state(); state && *state != running.saved_state) {
    if (store_ && !dry_run()) {
      const auto saved = store_->save_state(state_key(name), *state, wall);
      state_save_failing_ = !saved;
      if (!saved) {
        ++metrics_.store_write_failures;
        store_refused("policy " + name + ": its ctx.state: " + saved.error());
        return;  // tried again at its next run, as the state still differs
      }
    }
    running.saved_state = *state;
  } else if (!state) {
    spdlog::error("{} ({})", state.error(), file);
  }
}

void Engine::run_due(Nanos wall) {
  for (auto& [file, live] : folder_->live()) {
    const auto it = running_.find(file);
    if (it == running_.end() || !it->second.schedule) continue;
    RunningPolicy& running = it->second;
    if (running.disabled || wall < running.next_due) continue;
    auto& counts = metrics_.policies[live.info.name];
    // Overdue (a long tick, a slow neighbour, a suspended process): run once now, count the
    // runs that were missed, never queue them.
    Nanos next = running.schedule->next_after(running.next_due);
    while (next <= wall) {
      ++running.skipped;
      ++counts.skipped;
      next = running.schedule->next_after(next);
    }
    running.next_due = next;
    counts.quarantined = !running.health.may_run(wall);
    if (counts.quarantined) continue;
    if (live.info.autopilot) {
      run_cycle(file, live, running, wall);
      continue;
    }
    evaluate(file, live, running, wall);
    counts.quarantined = !running.health.may_run(wall);
  }
}

}  // namespace setpoint::runner

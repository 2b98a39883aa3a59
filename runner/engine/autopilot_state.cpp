// What the autopilot keeps across a restart and a config reload: the operating bounds (rows of
// parameter_bounds), the monitor and the impact checks waiting (the "autopilot" state
// document), and the cycles still running (rows of autopilot_cycles).
#include <spdlog/spdlog.h>

#include "engine/autopilot.hpp"
#include "setpoint/base/json_document.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr const char* kStateKey = "autopilot";

json expected_json(const Expected& e) {
  return {{"series", e.series},
          {"stat", e.stat},
          {"change", e.change},
          {"better", e.higher_is_worse ? "lower" : "higher"}};
}

Expected expected_from(const json& j) {
  return {j.value("series", ""), j.value("stat", ""), j.value("change", 0.0),
          j.value("better", "lower") == "lower"};
}

}  // namespace

void Autopilot::save_state(Nanos now) {
  // At most once a second: the engine passes many times a second, and the document is
  // rebuilt to be compared.
  if (!store_ || now < next_save_) return;
  next_save_ = now + kNanosPerSecond;
  json impacts = json::array();
  for (const ImpactCheck& c : impacts_) {
    impacts.push_back({{"decision", c.decision},
                       {"cycle", c.cycle},
                       {"target", c.target},
                       {"expected", expected_json(c.expected)},
                       {"previous", c.previous},
                       {"applied_at", c.applied_at},
                       {"due", c.due},
                       {"give_up", c.give_up},
                       {"worse_by", c.worse_by},
                       {"floor", c.floor},
                       {"verify", c.verify}});
  }
  // Changes a timed-out cycle left in flight: undone when they land, after a restart too.
  json late = json::array();
  for (const auto& [cycle, c] : late_undos_)
    late.push_back({{"cycle", cycle},
                    {"decision", c.decision},
                    {"target", c.target},
                    {"previous", c.previous}});
  std::string doc = dump({{"monitor", parse_own_json(monitor_.to_json())},
                          {"impacts", impacts},
                          {"late_undos", late}});
  if (doc == saved_) return;
  if (store_->save_state(kStateKey, doc, now)) saved_ = std::move(doc);  // else: next pass
}

void Autopilot::rebind(const Config& config, Guard& guard, EffectPipeline& pipeline, Nanos now) {
  config_ = config.autopilot;
  sliding_ = config.sliding_bounds;
  guard_ = &guard;
  pipeline_ = &pipeline;
  std::erase_if(bounds_, [&](const auto& b) { return sliding_.count(b.first) == 0; });
  for (const auto& [name, cfg] : sliding_) {
    const ParameterSpec* spec = guard.parameter(name);
    if (spec == nullptr) continue;
    const auto it = bounds_.find(name);
    auto made =
        it != bounds_.end()
            ? autopilot::OperatingBounds::from_json(it->second.to_json(), spec->min, spec->max)
            : autopilot::OperatingBounds::make(cfg.min, cfg.max, spec->min, spec->max, now);
    if (!made) continue;  // config checked operating inside hard; a saved range is clipped
    bounds_[name] = std::move(made).value();
    bounds_changed(name, now);
  }
  rebind_patches();
}

Result<void> Autopilot::start(Nanos now) {
  std::map<std::string, BoundsRow> stored;
  if (store_) {
    auto rows = store_->bounds();
    if (!rows) return Error{"the operating bounds cannot be read: " + rows.error()};
    load_patches(*rows);
    for (auto& row : *rows) stored[row.name] = std::move(row);
  }
  for (const auto& [name, cfg] : sliding_) {
    const ParameterSpec* spec = guard_->parameter(name);
    if (spec == nullptr) continue;
    auto made =
        stored.count(name)
            ? autopilot::OperatingBounds::from_json(stored[name].state, spec->min, spec->max)
            : autopilot::OperatingBounds::make(cfg.min, cfg.max, spec->min, spec->max, now);
    if (!made) return Error{name + ": " + made.error()};
    bounds_[name] = std::move(made).value();
    if (stored.count(name)) {
      guard_->set_operating_range(
          name, OperatingRange{bounds_[name].min(), bounds_[name].max(), bounds_[name].frozen()});
    } else {
      bounds_changed(name, now);  // its first row
    }
  }
  if (!store_) return {};
  const auto state = store_->load_state(kStateKey);
  if (!state) return Error{"the autopilot's state cannot be read: " + state.error()};
  if (*state) {
    const json doc = parse_own_json(**state);
    if (!doc.is_object()) return Error{"the autopilot's saved state is not JSON"};
    auto monitor = autopilot::DriftMonitor::from_json(dump(doc.value("monitor", json())));
    if (!monitor) return Error{monitor.error()};
    monitor_ = std::move(monitor).value();
    was_paused_ = monitor_.paused(now);
    try {
      for (const auto& c : doc.value("impacts", json::array())) {
        ImpactCheck check;
        check.decision = c.at("decision").get<std::int64_t>();
        check.cycle = c.at("cycle").get<std::string>();
        check.target = c.at("target").get<std::string>();
        check.expected = expected_from(c.at("expected"));
        check.previous = c.at("previous").get<double>();
        check.applied_at = c.at("applied_at").get<Nanos>();
        check.due = c.at("due").get<Nanos>();
        check.give_up = c.at("give_up").get<Nanos>();
        check.worse_by = c.at("worse_by").get<double>();
        check.floor = c.at("floor").get<double>();
        check.verify = c.at("verify").get<Nanos>();
        impacts_.push_back(check);
      }
      for (const auto& u : doc.value("late_undos", json::array())) {
        Change c;
        c.decision = u.at("decision").get<std::int64_t>();
        c.target = u.at("target").get<std::string>();
        c.previous = u.at("previous").get<double>();
        late_undos_.push_back({u.at("cycle").get<std::string>(), c});
      }
    } catch (const json::exception&) {
      return Error{"the autopilot's saved impact checks are not the document this build writes"};
    }
    saved_ = **state;
  }
  // The view's recent cycles, as the store has them (newest last, as they are kept).
  if (const auto ended = store_->cycles("", "", 20)) {
    for (auto it = ended->rbegin(); it != ended->rend(); ++it) {
      const auto status = autopilot::parse_status(it->status);
      if (!status || *status == autopilot::CycleStatus::kRunning) continue;
      recent_.push_back({it->id, it->policy, it->started_at, it->completed_at, *status,
                         it->analysis, it->proposed_changes, it->outcome, it->error});
    }
  }
  return resume_cycles(now);
}

bool Autopilot::read_outcome(Running& r) {
  const json o = parse_own_json(r.cycle.outcome);
  try {
    r.deadline = o.at("deadline").get<Nanos>();
    r.info.verify = o.at("verify").get<Nanos>();
    r.info.worse_by = o.at("worse_by").get<double>();
    r.info.error_floor = o.at("error_floor").get<double>();
    r.info.max_duration = o.at("max_duration").get<Nanos>();
    r.rolled_back = o.at("rolled_back").get<bool>();
    r.changes.clear();
    for (const auto& c : o.at("changes")) {
      Change change;
      change.decision = c.at("decision").get<std::int64_t>();
      change.target = c.at("target").get<std::string>();
      change.previous = c.at("previous").get<double>();
      change.value = c.at("value").get<double>();
      change.applied_at = c.at("applied_at").get<Nanos>();
      change.done = c.at("done").get<bool>();
      change.staged = c.value("staged", false);
      if (c.contains("expected")) change.expected = expected_from(c.at("expected"));
      r.changes.push_back(change);
    }
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

std::optional<Autopilot::Running> Autopilot::cycle_of(const std::string& id) const {
  Running r;
  if (const auto it = std::find_if(running_.begin(), running_.end(),
                                   [&](const Running& x) { return x.cycle.id == id; });
      it != running_.end())
    return *it;
  if (const auto it = std::find_if(recent_.begin(), recent_.end(),
                                   [&](const autopilot::Cycle& c) { return c.id == id; });
      it != recent_.end()) {
    r.cycle = *it;
  } else {
    if (!store_) return std::nullopt;
    const auto row = store_->cycle(id);
    if (!row || !*row) return std::nullopt;
    const CycleRow& c = **row;
    r.cycle = {c.id,
               c.policy,
               c.started_at,
               c.completed_at,
               autopilot::CycleStatus::kCompleted,
               c.analysis,
               c.proposed_changes,
               c.outcome,
               c.error};
  }
  if (!read_outcome(r)) return std::nullopt;
  return r;
}

// Cycles a restart interrupted: their changes were made (or not) before it, and go on being
// validated; the policy is never run again for them. One whose deadline passed meanwhile
// times out at the first pass, its unfinished changes rolled back.
Result<void> Autopilot::resume_cycles(Nanos now) {
  const auto rows = store_->cycles("", "running", 1000);
  if (!rows) return Error{"the running cycles cannot be read: " + rows.error()};
  for (const CycleRow& row : *rows) {
    Running r;
    r.cycle = {row.id,
               row.policy,
               row.started_at,
               0,
               autopilot::CycleStatus::kRunning,
               row.analysis,
               row.proposed_changes,
               row.outcome,
               row.error};
    if (!read_outcome(r)) {
      // Begun but never evaluated (the restart came between), or not ours: closed as failed.
      r.deadline = now;
      r.cycle.outcome = "{}";
      end(r, autopilot::CycleStatus::kFailed,
          "the engine restarted before the cycle's proposals were recorded", now);
      continue;
    }
    spdlog::info("autopilot: cycle {} resumed after a restart ({} change(s))", row.id,
                 r.changes.size());
    running_.push_back(std::move(r));
  }
  return {};
}

}  // namespace setpoint::runner

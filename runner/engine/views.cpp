#include "engine/views.hpp"

#include "engine/engine.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

json when(Nanos t) { return t > 0 ? json(format_rfc3339(t)) : json(nullptr); }

// The new version running beside the live one, if any: its hash, its period, what it
// diverged and whether it waits for an operator.
json shadow_view(Engine& engine, const std::string& file) {
  const auto run = engine.shadow_runs().find(file);
  if (run == engine.shadow_runs().end()) return nullptr;
  const ShadowRun& s = run->second;
  json recent = json::array();
  for (const auto& d : s.recent) {
    recent.push_back({{"id", d.id > 0 ? json(d.id) : json(nullptr)},
                      {"at", when(d.at)},
                      {"target", d.target},
                      {"live", d.live},
                      {"shadow", d.shadow},
                      {"at_bound", d.at_bound},
                      {"follows", d.follows}});
  }
  const std::uint64_t most = engine.config().policies.shadow_max_divergences;
  return {{"version", s.version},
          {"live_version", s.live_version},
          {"since", when(s.since)},
          {"until", when(s.until)},
          {"state", s.held ? "held for an operator" : "shadowing"},
          {"evaluations", s.evaluations},
          {"divergences", s.divergences},
          {"root_divergences", s.root_divergences},
          {"at_bound", s.at_bound},
          {"max_divergences", most},
          {"promotes", !s.held && s.divergences <= most && s.at_bound == 0},
          {"recent", recent}};
}

json policies_view(Engine& engine, Nanos wall) {
  json out = json::array();
  const auto& live = engine.folder().live();
  for (const auto& [file, status] : engine.folder().status()) {
    if (status.gone) continue;  // deleted: said once in the log, not a policy any more
    json p{{"file", file}, {"reload", {{"ok", status.ok}, {"message", status.message}}}};
    const auto l = live.find(file);
    if (l != live.end()) {
      const auto& info = l->second.info;
      p["name"] = info.name;
      p["version"] = l->second.hash;
      p["params"] = info.params;
      p["actions"] = info.actions;
      const auto o = engine.config().policies.overrides.find(info.name);
      p["mode"] = o != engine.config().policies.overrides.end() && o->second.mode
                      ? mode_name(*o->second.mode)
                      : "per parameter";
    } else {
      p["name"] = nullptr;
      p["version"] = nullptr;
    }
    p["shadow"] = shadow_view(engine, file);
    const auto r = engine.policies().find(file);
    if (r != engine.policies().end()) {
      const RunningPolicy& running = r->second;
      p["schedule"] = running.schedule ? json(running.schedule->text()) : json(nullptr);
      p["disabled"] = running.disabled;
      p["next_evaluation"] = when(running.next_due);
      p["last_evaluation"] = when(running.last_run);
      p["last_duration_ms"] = running.last_duration_ms;
      p["evaluations"] = running.evaluations;
      p["failures"] = running.failures;
      p["skipped"] = running.skipped;
      p["proposals"] = running.proposals;
      p["last_error"] = running.last_error.empty() ? json(nullptr) : json(running.last_error);
      const bool quarantined = running.health.quarantined(wall);
      p["quarantined"] = quarantined;
      p["quarantined_until"] =
          quarantined ? when(running.health.quarantined_until()) : json(nullptr);
    }
    out.push_back(std::move(p));
  }
  return out;
}

json params_view(Engine& engine, Nanos wall) {
  json out = json::array();
  Guard& guard = engine.guard();
  for (const auto& spec : engine.config().parameters) {
    json p{{"name", spec.name}, {"type", type_name(spec.type)}};
    if (const auto v = guard.value(spec.name)) p["value"] = *v;
    if (spec.numeric()) {
      p["min"] = spec.min;
      p["max"] = spec.max;
    } else if (!spec.choices.empty()) {
      p["choices"] = spec.choices;
    }
    const auto last = guard.last_change(spec.name);
    p["last_change"] = last ? when(*last) : json(nullptr);
    // The decision that set the value: what `setpoint rollback --version` takes.
    const std::int64_t version = engine.pipeline().last_applied(spec.name);
    p["version"] = version > 0 ? json(version) : json(nullptr);
    const auto o = guard.override_of(spec.name);
    p["override"] = o && (o->until == 0 || o->until > wall)
                        ? json{{"value", o->value}, {"until", when(o->until)}}
                        : json(nullptr);
    json pauses = json::array();
    for (const auto& pause : guard.pauses()) {
      const bool applies = pause.scope == Pause::Scope::kGlobal ||
                           (pause.scope == Pause::Scope::kTarget && pause.name == spec.name);
      if (!applies || (pause.until != 0 && pause.until <= wall)) continue;
      pauses.push_back({{"scope", pause.scope == Pause::Scope::kGlobal ? "global" : "parameter"},
                        {"direction", direction_name(pause.direction)},
                        {"until", when(pause.until)}});
    }
    p["paused"] = pauses;
    // A canary in flight holds every other change of it (setpoint rollouts shows it).
    const std::string rollout = guard.rollout_of(spec.name);
    p["rollout"] = rollout.empty() ? json(nullptr) : json(rollout);
    // The room automation has inside the hard bounds: the autopilot's sliding bounds, or an
    // approved bounds patch's range (every policy's proposals keep to it).
    const auto& bounds = engine.autopilot().bounds();
    const auto& patched = engine.autopilot().patched();
    auto it = bounds.find(spec.name);
    const bool from_patch = it == bounds.end();
    if (from_patch) it = patched.find(spec.name);
    if (it != (from_patch ? patched.end() : bounds.end())) {
      const auto& b = it->second;
      json history = json::array();
      for (const auto& a : b.history()) {
        history.push_back({{"at", when(a.at)},
                           {"kind", a.kind},
                           {"from", {a.old_min, a.old_max}},
                           {"to", {a.new_min, a.new_max}},
                           {"why", a.why}});
      }
      p["operating"] = {{"min", b.min()},
                        {"max", b.max()},
                        {"frozen", b.frozen()},
                        {"stable_since", when(b.since())},
                        {"holds", from_patch ? "every policy" : "autopilot cycles"},
                        {"history", history}};
    }
    out.push_back(std::move(p));
  }
  return out;
}

json proposals_view(Engine& engine) {
  json out = json::array();
  for (const auto& [id, pending] : engine.pipeline().pending()) {
    out.push_back({{"id", id},
                   {"policy", pending.decision.policy},
                   {"target", pending.decision.proposal.target},
                   {"expires", when(pending.expires)},
                   {"record", parse_own_json(decision_json(pending.decision))}});
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> render_views(Engine& engine, Nanos wall) {
  std::map<std::string, std::string> views;
  views["policies"] = dump(policies_view(engine, wall));
  views["params"] = dump(params_view(engine, wall));
  views["proposals"] = dump(proposals_view(engine));
  json pauses = json::array();
  for (const auto& pause : engine.guard().pauses()) {
    if (pause.until != 0 && pause.until <= wall) continue;
    const char* scope = pause.scope == Pause::Scope::kGlobal   ? "global"
                        : pause.scope == Pause::Scope::kPolicy ? "policy"
                                                               : "parameter";
    pauses.push_back({{"scope", scope},
                      {"name", pause.name},
                      {"direction", direction_name(pause.direction)},
                      {"until", when(pause.until)}});
  }
  views["pauses"] = dump(pauses);
  views["autopilot"] = engine.autopilot().view(wall);
  views["rollouts"] = engine.rollouts().view_json();
  views["status"] = dump(engine.status().view());
  // What the dashboard's first page says at a glance (the control plane adds the decisions
  // of the last hour from the store).
  std::size_t quarantined = 0;
  for (const auto& [file, running] : engine.policies())
    quarantined += running.health.quarantined(wall) ? 1 : 0;
  views["overview"] =
      dump(json{{"now", when(wall)},
                {"mode", mode_name(engine.config().engine.mode)},
                {"dry_run", engine.dry_run()},
                {"policies", engine.folder().live().size()},
                {"quarantined", quarantined},
                {"proposals", engine.pipeline().pending().size()},
                {"rollouts_in_flight", engine.rollouts().in_flight()},
                {"autopilot",
                 {{"enabled", engine.autopilot().enabled()},
                  {"paused", engine.autopilot().paused(wall)},
                  {"paused_until", engine.autopilot().paused(wall)
                                       ? json(when(engine.autopilot().paused_until()))
                                       : json()}}},
                {"pauses", pauses}});
  views["health"] = dump(json{{"now", when(wall)},
                              {"policies", engine.folder().live().size()},
                              {"series", engine.aggregator().series_count()}});
  return views;
}

}  // namespace setpoint::runner

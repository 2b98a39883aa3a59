// The rollouts as the store and the control plane see them: a rollout's row, /v1/rollouts,
// and the operator's hand on one (abort, promote).
#include "engine/engine.hpp"
#include "engine/rollouts.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

json row_json(const RolloutRow& r) {
  return {{"id", r.id},
          {"parameter", r.parameter},
          {"status", r.status},
          {"step", r.step + 1},
          {"weight", r.traffic_percentage},
          {"baseline", r.baseline_value},
          {"canary", r.canary_value},
          {"decision", r.decision},
          {"cycle", r.cycle},
          {"started_at", format_rfc3339(r.started_at)},
          {"completed_at", r.completed_at ? json(format_rfc3339(r.completed_at)) : json()},
          {"recommendation", r.recommendation},
          {"statistical_significance", r.statistical_significance},
          {"reason", r.reason},
          {"shadow", parse_own_json(r.state).value("shadow", false)},
          {"last_look", parse_own_json(r.last_look)}};
}

// A rollout in flight, with the actuations of its last move still to answer (one ended by a
// judge or an operator stays in flight until they have).
json running_json(const RolloutRow& r, std::size_t pending) {
  json row = row_json(r);
  row["actuations_pending"] = pending;
  return row;
}

}  // namespace

RolloutRow Rollouts::row(const Running& running, Nanos now) const {
  const auto& r = running.rollout;
  RolloutRow row;
  row.id = r.id;
  row.cycle = r.cycle;
  row.started_at = r.started_at;
  row.completed_at = r.ended_at;
  const auto p = parameters_.find(r.parameter);
  row.traffic_percentage = p == parameters_.end() ? 0 : r.weight(p->second.config->plan);
  // The seed's metrics columns: each KPI's figure and count on each side, from the last look.
  const json look = parse_own_json(r.last_look);
  json control = json::object(), canary_side = json::object();
  // Read as JSON of any shape: a damaged row's last look (the store is outside input)
  // once threw here, at every start.
  const auto member = [](const json& o, const char* key) {
    return o.is_object() && o.contains(key) ? o[key] : json();
  };
  if (look.is_object() && member(look, "kpis").is_array()) {
    for (const auto& k : look["kpis"]) {
      const json name = member(k, "kpi");
      if (!name.is_string()) continue;
      control[name.get<std::string>()] = {{"value", member(k, "baseline")},
                                          {"n", member(k, "n_baseline")}};
      canary_side[name.get<std::string>()] = {{"value", member(k, "canary")},
                                              {"n", member(k, "n_canary")}};
    }
  }
  if (const json verdict = member(look, "verdict"); verdict.is_string())
    row.recommendation = verdict.get<std::string>();
  row.control_metrics = dump(control);
  row.canary_metrics = dump(canary_side);
  row.statistical_significance = 1;
  for (const auto& k : r.judge.kpis)
    row.statistical_significance = std::min(row.statistical_significance, k.p);
  row.parameter = r.parameter;
  row.decision = r.decision;
  row.baseline_value = r.baseline;
  row.canary_value = r.canary;
  row.step = static_cast<std::int64_t>(r.step);
  row.status = std::string(canary::status_name(r.status));
  row.reason = r.reason;
  row.state = r.state_json();
  row.last_look = r.last_look;
  row.updated_at = now;
  return row;
}

Reply Rollouts::abort(const std::string& id, const std::string& who, Nanos now) {
  return operate(id, now, [&](canary::Rollout& r) { return canary::abort_rollout(r, who, now); });
}

Reply Rollouts::promote(const std::string& id, const std::string& who, Nanos now) {
  for (const auto& [name, running] : running_) {
    const auto& r = running.rollout;
    if (r.id != id || !r.active()) continue;
    // A promotion is a change: an operator's pin or pause holds it off, whoever asks.
    if (const std::string held =
            guard_.held_by_operator(name, running.policy, r.canary > r.baseline ? 1 : -1, now);
        !held.empty())
      return {409, dump(json{{"error", "rollout " + id + " cannot be promoted: " + held +
                                           "; lift that first, or abort the rollout"}})};
  }
  return operate(id, now, [&](canary::Rollout& r) { return canary::promote_rollout(r, who, now); });
}

Reply Rollouts::operate(const std::string& id, Nanos now,
                        const std::function<canary::RolloutMove(canary::Rollout&)>& hand) {
  for (auto& [name, running] : running_) {
    if (running.rollout.id != id) continue;
    if (!running.rollout.active()) break;  // ended, its last actuations still in flight
    Parameter& p = parameters_.at(name);
    carry_out(running, hand(running.rollout), now);
    save(running, now);
    advance(running, p, now);
    // Answered with the row as it is now: ended, and what is still being actuated.
    return {200, dump(running_json(row(running, now), running.steps.size()))};
  }
  for (const auto& [_, running] : running_) {
    if (running.rollout.id == id)
      return {409,
              dump(json{{"error", "rollout " + id + " has ended: " +
                                      std::string(canary::status_name(running.rollout.status))}})};
  }
  for (const auto& r : ended_) {
    if (r.id == id)
      return {409, dump(json{{"error", "rollout " + id + " has ended: " + r.status}})};
  }
  return {404, dump(json{{"error", "no rollout " + utf8::printable(id, 200) + " is in flight"}})};
}

std::string Rollouts::view_json() const {
  json running = json::array(), recent = json::array();
  for (const auto& [_, r] : running_)
    running.push_back(running_json(row(r, r.rollout.next_look_at), r.steps.size()));
  for (auto it = ended_.rbegin(); it != ended_.rend(); ++it) recent.push_back(row_json(*it));
  return dump(json{{"running", running}, {"recent", recent}});
}

}  // namespace setpoint::runner

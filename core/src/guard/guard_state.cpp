// Saving and restoring the guard's memory (see Guard::save_state).

#include "setpoint/base/json_document.hpp"
#include "setpoint/guard/guard.hpp"

namespace setpoint {

namespace {
using nlohmann::json;

json times(const std::deque<Nanos>& ts) { return json(std::vector<Nanos>(ts.begin(), ts.end())); }
std::deque<Nanos> times_from(const json& j) {
  const auto v = j.get<std::vector<Nanos>>();
  return {v.begin(), v.end()};
}
json pairs(const std::deque<std::pair<Nanos, double>>& ps) {
  json out = json::array();
  for (const auto& [t, x] : ps) out.push_back({t, x});
  return out;
}
std::deque<std::pair<Nanos, double>> pairs_from(const json& j) {
  std::deque<std::pair<Nanos, double>> out;
  for (const auto& p : j) out.emplace_back(p.at(0).get<Nanos>(), p.at(1).get<double>());
  return out;
}
}  // namespace

std::string Guard::save_state() const {
  json params = json::object();
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const ParamState& s = param_states_[i];
    json p = {{"value", s.value},
              {"last_change", s.last_change},
              {"changes", pairs(s.changes)},
              {"recommendations", pairs(s.recommendations)},
              {"seeded", s.seeded},
              {"directions", s.directions},
              {"next_direction", s.next_direction}};
    if (!s.rollout.empty()) p["rollout"] = s.rollout;
    if (s.override)
      p["override"] = {
          {"value", s.override->value}, {"until", s.override->until}, {"hold", s.override->hold}};
    params[parameters_[i].name] = std::move(p);
  }
  json actions = json::object();
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    actions[actions_[i].name] = {{"last_by_key", action_states_[i].last_by_key},
                                 {"recent", times(action_states_[i].recent)}};
  }
  json pauses = json::array();
  for (const auto& p : pauses_) {
    pauses.push_back({{"scope", static_cast<int>(p.scope)},
                      {"name", p.name},
                      {"direction", static_cast<int>(p.direction)},
                      {"until", p.until}});
  }
  json settled = json::object();
  for (const auto& [group, entry] : settled_)
    settled[group] = {{"at", entry.first}, {"by", entry.second}};
  json policies = json::object();
  for (const auto& [policy, ts] : policy_actions_) policies[policy] = times(ts);
  return dump(json{{"version", 1},
                   {"parameters", params},
                   {"actions", actions},
                   {"pauses", pauses},
                   {"settled", settled},
                   {"policy_actions", policies},
                   {"global_actions", times(global_actions_)}});
}

Result<void> Guard::load_state(const std::string& text) {
  try {
    const auto parsed = parse_json(text, 256);
    if (!parsed) {
      return Error{"guard state does not parse: " + parsed.error()};
    }
    const json& doc = *parsed;
    if (doc.value("version", 0) != 1) {
      return Error{"guard state version " + std::to_string(doc.value("version", 0)) + " is not 1"};
    }
    // Parse everything before changing anything: a bad document leaves the guard as it was.
    auto states = param_states_;
    for (const auto& [name, p] : doc.at("parameters").items()) {
      const auto it = parameter_index_.find(name);
      if (it == parameter_index_.end()) continue;
      ParamState& s = states[it->second];
      s.value = p.at("value").get<double>();
      s.last_change = p.at("last_change").get<Nanos>();
      s.changes = pairs_from(p.at("changes"));
      s.recommendations = pairs_from(p.at("recommendations"));
      s.seeded = p.value("seeded", !s.recommendations.empty());
      const auto directions = p.at("directions").get<std::vector<std::int8_t>>();
      if (directions.size() == s.directions.size()) {
        s.directions = directions;
        s.next_direction =
            p.at("next_direction").get<std::size_t>() % std::max<std::size_t>(1, directions.size());
      }
      if (p.contains("rollout") && p["rollout"].is_string())
        s.rollout = p["rollout"].get<std::string>();
      if (p.contains("override")) {
        s.override = Override{
            p["override"].at("value").get<double>(), p["override"].at("until").get<Nanos>(),
            p["override"].value("hold", false)};  // states saved before holds were told apart: pins
      }
    }
    auto action_states = action_states_;
    for (const auto& [name, a] : doc.at("actions").items()) {
      const auto it = action_index_.find(name);
      if (it == action_index_.end()) continue;
      action_states[it->second].last_by_key =
          a.at("last_by_key").get<std::unordered_map<std::string, Nanos>>();
      action_states[it->second].recent = times_from(a.at("recent"));
    }
    std::vector<Pause> pauses;
    for (const auto& p : doc.at("pauses")) {
      pauses.push_back(
          {static_cast<Pause::Scope>(p.at("scope").get<int>()), p.at("name").get<std::string>(),
           static_cast<Direction>(p.at("direction").get<int>()), p.at("until").get<Nanos>()});
    }
    decltype(settled_) settled;
    for (const auto& [group, entry] : doc.at("settled").items())
      settled[group] = {entry.at("at").get<Nanos>(), entry.at("by").get<std::string>()};
    decltype(policy_actions_) policy_actions;
    for (const auto& [policy, ts] : doc.at("policy_actions").items())
      policy_actions[policy] = times_from(ts);
    auto global = times_from(doc.at("global_actions"));

    param_states_ = std::move(states);
    action_states_ = std::move(action_states);
    pauses_ = std::move(pauses);
    settled_ = std::move(settled);
    policy_actions_ = std::move(policy_actions);
    global_actions_ = std::move(global);
    return {};
  } catch (const std::exception& e) {
    return Error{std::string("guard state does not parse: ") + e.what()};
  }
}

}  // namespace setpoint

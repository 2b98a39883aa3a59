#include "engine/status_feed.hpp"

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/guard/guard.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// A text member of what the store held, or "": the store is outside input of any shape.
std::string text_of(const json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

// Worse states win when a service has several parameters.
int rank(const std::string& state) {
  if (state == "degraded") return 3;
  if (state == "fallback") return 2;
  if (state == "retrying") return 1;
  return 0;
}

}  // namespace

StatusFeed::StatusFeed(std::map<std::string, StatusConfig> statuses)
    : statuses_(std::move(statuses)) {}

StatusFeed::Service StatusFeed::current(const std::string& service) const {
  Service worst;
  for (const auto& [parameter, config] : statuses_) {
    if (config.service != service) continue;
    const auto v = values_.find(parameter);
    const StatusRule* rule = v == values_.end() ? nullptr : config.rule_for(v->second);
    if (rule == nullptr || rank(rule->state) < rank(worst.state) ||
        (rank(rule->state) == rank(worst.state) && !worst.message.empty()))
      continue;
    worst.state = rule->state;
    worst.message = rule->message;
    worst.next_step = rule->next_step;
  }
  return worst;
}

void StatusFeed::start(const Guard& guard, const std::string& saved, Nanos now) {
  for (const auto& [parameter, config] : statuses_) {
    if (const auto v = guard.value(parameter)) values_[parameter] = *v;
  }
  const json told = parse_own_json(saved);
  for (const auto& [parameter, config] : statuses_) {
    const std::string& service = config.service;
    if (services_.contains(service)) continue;
    Service s = current(service);
    s.since = now;
    const json was = told.is_object() && told.contains(service) ? told[service] : json();
    const bool same =
        was.is_object() && text_of(was, "state") == s.state && text_of(was, "message") == s.message;
    if (same && was.contains("since") && was["since"].is_number_integer())
      s.since = was["since"].get<Nanos>();  // the same state, held across the restart
    else if (was.is_object() || s.state != "ok")
      starting_[service] = was.is_object() ? text_of(was, "state") : "ok";  // say it
    services_[service] = s;
  }
}

void StatusFeed::reconfigure(std::map<std::string, StatusConfig> statuses, const Guard& guard,
                             Nanos now) {
  statuses_ = std::move(statuses);
  std::map<std::string, Service> kept;
  for (const auto& [parameter, config] : statuses_) {
    if (!values_.contains(parameter)) {
      if (const auto v = guard.value(parameter)) values_[parameter] = *v;
    }
    const auto old = services_.find(config.service);
    kept[config.service] = old != services_.end() ? old->second : Service{"ok", "", "", now};
  }
  services_ = std::move(kept);  // a service no longer declared is no longer listed
  dirty_ = true;
}

void StatusFeed::observe(const Decision& d) {
  if (d.proposal.kind != Proposal::Kind::kSet || !took_effect(d.outcome)) return;
  if (!statuses_.contains(d.proposal.target)) return;
  values_[d.proposal.target] = d.verdict.value;  // applied, or the value rolled back to
  dirty_ = true;
}

Decision StatusFeed::change(const std::string& service, const std::string& was,
                            const Service& s) const {
  Decision d;
  d.at = s.since;
  d.policy = "setpoint:status";
  d.proposal = Proposal::set(d.policy, "status:" + service, ProposedValue(s.state),
                             s.message.empty() ? "back to normal" : s.message);
  d.verdict.kind = VerdictKind::kAllow;
  d.mode = Mode::kEnforce;
  d.outcome = DecisionOutcome::kApplied;
  d.detail = service + ": " + was + " -> " + s.state +
             (s.next_step.empty() ? "" : "; next step: " + s.next_step);
  return d;
}

std::vector<Decision> StatusFeed::take_changes(Nanos now) {
  std::vector<Decision> out;
  for (const auto& [service, was] : starting_)
    out.push_back(change(service, was, services_[service]));
  starting_.clear();
  if (!dirty_) return out;
  dirty_ = false;
  for (auto& [service, told] : services_) {
    Service s = current(service);
    if (s.state == told.state && s.message == told.message) continue;
    s.since = now;
    out.push_back(change(service, told.state, s));
    told = s;
  }
  return out;
}

std::string StatusFeed::save() const {
  json out = json::object();
  for (const auto& [service, s] : services_)
    out[service] = {{"state", s.state}, {"message", s.message}, {"since", s.since}};
  return dump(out);
}

json StatusFeed::view() const {
  json list = json::array();
  for (const auto& [service, s] : services_) {
    list.push_back({{"service", service},
                    {"state", s.state},
                    {"since", format_rfc3339(s.since)},
                    {"message", s.message.empty() ? json() : json(s.message)},
                    {"next_step", s.next_step.empty() ? json() : json(s.next_step)}});
  }
  return {{"services", list}};
}

}  // namespace setpoint::runner

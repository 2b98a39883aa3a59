// The /v1/autopilot document.
#include "engine/autopilot.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

json cycle_json(const autopilot::Cycle& c) {
  return {{"id", c.id},
          {"policy", c.policy},
          {"started_at", format_rfc3339(c.started_at)},
          {"completed_at", c.completed_at ? json(format_rfc3339(c.completed_at)) : json()},
          {"status", autopilot::status_name(c.status)},
          {"error", c.error},
          {"outcome", parse_own_json(c.outcome)}};
}

}  // namespace

std::string Autopilot::view(Nanos now) const {
  const auto f = monitor_.figures(config_.drift, now);
  json running = json::array();
  for (const Running& r : running_) {
    json one = cycle_json(r.cycle);
    one["deadline"] = format_rfc3339(r.deadline);
    running.push_back(one);
  }
  json recent = json::array();
  for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) recent.push_back(cycle_json(*it));
  json impacts = json::array();
  for (const ImpactCheck& c : impacts_) {
    impacts.push_back({{"decision", c.decision},
                       {"cycle", c.cycle},
                       {"target", c.target},
                       {"series", c.expected.series},
                       {"stat", c.expected.stat},
                       {"predicted", c.expected.change},
                       {"due", format_rfc3339(c.due)}});
  }
  json bounds = json::object();
  for (const auto& [name, b] : bounds_) {
    bounds[name] = {{"min", b.min()},
                    {"max", b.max()},
                    {"frozen", b.frozen()},
                    {"since", format_rfc3339(b.since())},
                    {"rollbacks", b.rollbacks(now, sliding_.at(name).rules)},
                    {"adjustments", b.history().size()}};
  }
  const bool paused = monitor_.paused(now);
  return dump({{"enabled", config_.enabled},
               {"paused", paused},
               {"paused_until", paused ? json(format_rfc3339(monitor_.paused_until())) : json()},
               {"last_pause", format_duration(monitor_.last_pause())},
               {"store_failing", store_failing_},
               {"monitor",
                {{"window", format_duration(config_.drift.window)},
                 {"mean_prediction_error", f.mean_error},
                 {"measured", f.measured},
                 {"rollback_rate", f.rollback_rate},
                 {"changes", f.changes},
                 {"rolled_back", f.rolled_back},
                 {"consecutive_failures", f.consecutive_failures}}},
               {"running", running},
               {"recent", recent},
               {"impact_checks", impacts},
               {"bounds", bounds},
               {"alerts", recent_alerts_}});
}

}  // namespace setpoint::runner

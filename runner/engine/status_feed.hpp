#pragma once
// What the people a service serves are told (GET /v1/status): each service's state — ok,
// degraded, retrying or fallback — since when, the message and the next step that config
// declares for the value its parameters hold. Only applied values count (an enforced change,
// an operator's override or rollback), never a dry run's or observe mode's would-be values: end
// users are told what is true. A service with several parameters shows the worst state. Each
// change of state is a decision record of its own (policy "setpoint:status", target
// "status:<service>"), so the timeline shows when users were told what.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "config/status_config.hpp"
#include "setpoint/audit/decision.hpp"

namespace setpoint {
class Guard;
}

namespace setpoint::runner {

class StatusFeed {
 public:
  explicit StatusFeed(std::map<std::string, StatusConfig> statuses);

  // At start: each parameter's value as restored, and each service's state as saved (`saved`,
  // JSON from save(); "" for none), so a restart keeps "since" for a state that holds.
  void start(const Guard& guard, const std::string& saved, Nanos now);
  // A new config's statuses (SIGHUP): the values kept, a newly declared parameter's from the
  // guard; each service's state is said again where it changes.
  void reconfigure(std::map<std::string, StatusConfig> statuses, const Guard& guard, Nanos now);
  // A finished decision: an applied or rolled-back value of a parameter with a status.
  void observe(const Decision& decision);
  // The changes of state since the last call, as decision records to keep, at `now`.
  std::vector<Decision> take_changes(Nanos now);
  std::string save() const;
  nlohmann::json view() const;

 private:
  struct Service {
    std::string state = "ok", message, next_step;
    Nanos since = 0;
  };
  // The state a service's parameters give now.
  Service current(const std::string& service) const;
  // A change of state as the decision record that says it.
  Decision change(const std::string& service, const std::string& was, const Service& s) const;

  std::map<std::string, StatusConfig> statuses_;  // by parameter
  std::map<std::string, double> values_;          // by parameter, as applied
  std::map<std::string, Service> services_;       // by service, as last told
  std::map<std::string, std::string> starting_;   // services to say at start: their old state
  bool dirty_ = false;
};

}  // namespace setpoint::runner

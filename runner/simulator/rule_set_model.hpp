#pragma once
// The simulated rules of `setpoint simulate`: detection rules (a WAF's, a fraud screen's, an
// alerting rule's) each firing violations at a rate that follows a schedule. A rule is
// evaluated whether it is enabled or not — disabled, it runs log-only, as real rule engines
// do, so a policy can see when it calms down — and its violations are recorded as
// rule.violations{rule=<name>}. Only an enabled rule blocks: what it fires while enabled
// counts as blocked.
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "setpoint/base/adaptive.hpp"
#include "setpoint/windows/aggregator.hpp"

namespace setpoint::runner {

class RuleSetModel {
 public:
  RuleSetModel(const std::vector<std::string>& names, Aggregator& aggregator, std::uint64_t seed);

  // The rule's enabled switch, for the inproc actuator; nullptr for an unknown rule.
  Adaptive<bool>* enabled(const std::string& rule);
  const std::vector<std::string>& names() const { return names_; }

  // Fires each rule's violations for `dt` at `now`: a Poisson count at `rates[i]` a second.
  // Returns how many the enabled rules blocked.
  std::int64_t step(Nanos now, Nanos dt, const std::vector<double>& rates);

 private:
  std::vector<std::string> names_;
  std::deque<Adaptive<bool>> enabled_;  // Adaptive neither copies nor moves
  std::vector<SeriesHandle> series_;
  OutcomeIndex ok_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace setpoint::runner

#pragma once
// One decision record (decision_json) as a line a person reads at 3 a.m.:
//   #42  2026-11-24T12:00:05Z  checkout-concurrency  set checkout.max_concurrency 100 -> 110  allow
//   enforce: applied  [p99 high] #43  2026-11-24T12:00:06Z  checkout-concurrency  set
//   checkout.max_concurrency 110 -> 120  block (cooldown: within the 30s cooldown (lifts in 29s))
//   enforce  [p99 high]
// The #id is what `setpoint rollback --version` and `setpoint approve` take.
#include <string>

namespace setpoint::runner {

std::string decision_text(const std::string& record_json);

}  // namespace setpoint::runner

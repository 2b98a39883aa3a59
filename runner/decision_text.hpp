#pragma once
// One decision record (decision_json) as a line a person reads at 3 a.m.:
//   2026-11-24T12:00:05Z checkout_concurrency  set checkout.max_concurrency 100 → 110  allow  observe: would set … (reason: p99 high)
#include <string>

namespace setpoint::runner {

std::string decision_text(const std::string& record_json);

}  // namespace setpoint::runner

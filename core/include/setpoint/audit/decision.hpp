#pragma once
// A decision record: one proposal, what the guard said, what mode it ran in and what the
// actuator did. The record is the product: dry-run, audit, replay, triage and the dashboard
// all read it.
#include <cstdint>
#include <string>

#include "setpoint/base/clock.hpp"
#include "setpoint/guard/proposal.hpp"
#include "setpoint/guard/verdict.hpp"

namespace setpoint {

enum class Mode { kObserve, kAdvise, kPropose, kEnforce };
const char* mode_name(Mode mode);

struct Decision {
  std::int64_t id = 0;  // assigned by the store
  Nanos at = 0;
  std::string policy;
  std::string policy_version;  // hash of the policy's source
  Proposal proposal;
  std::string evidence;  // JSON: the window values the policy read
  Verdict verdict;
  Mode mode = Mode::kObserve;
  // What happened after the guard: "applied", "failed", "drift", "shadow" (observe),
  // "advised", "pending" (propose) or "" while the actuator has not answered (an intent).
  std::string outcome;
  std::string detail;
  Nanos result_at = 0;
};

// The record as one JSON line (no newline), for the decision log and `grep`.
std::string decision_json(const Decision& decision);

}  // namespace setpoint

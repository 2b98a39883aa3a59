#pragma once
// A decision record: one proposal, what the guard said, what mode it ran in and what the
// actuator did. The record is the product: dry-run, audit, replay, triage and the dashboard
// all read it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "setpoint/base/clock.hpp"
#include "setpoint/guard/proposal.hpp"
#include "setpoint/guard/verdict.hpp"

namespace setpoint {

enum class Mode { kObserve, kAdvise, kPropose, kEnforce };
const char* mode_name(Mode mode);

// What happened to a decision after the guard. Recorded and shown by name (outcome_text).
enum class DecisionOutcome {
  kIntent,      // "": on its way to the actuator, which has not answered (recorded first)
  kApplied,     // the actuator made the change; or an operator's override took
  kFailed,      // the actuator could not; nothing changed, and the guard does not advance
  kUnknown,     // the actuator did not answer in time: the change may have happened
  kDrift,       // the target did not hold what was last written: a person changed it
  kShadow,      // observe mode or a dry run: what would have been done, not done
  kAdvised,     // advise mode: recorded for a person, not done
  kPending,     // propose mode: waits for an operator's approve or reject
  kBlocked,     // the guard refused it (its reason is in the verdict)
  kUnchanged,   // propose mode: the same change already waits; nothing new is pending
  kSuperseded,  // a pending proposal replaced by a newer one for the same target
  kApproved,    // a pending proposal an operator approved ("approved by <approved_by>");
                // what was then done is a decision of its own
  kRejected,    // a pending proposal an operator rejected
  kExpired,     // a pending proposal no one approved within its TTL
  kRolledBack,  // a change undone: its verification found it worse, or an operator asked
  kStaged,      // enforce on a parameter that rolls out: a rollout took it, on a slice of
                // traffic; the value is the parameter's only once promoted (a decision of its own)
};

struct Decision {
  std::int64_t id = 0;  // assigned by the store
  Nanos at = 0;
  std::string policy;
  std::string policy_version;  // hash of the policy's source
  Proposal proposal;
  std::string evidence;  // JSON: the window values the policy read
  Verdict verdict;
  Mode mode = Mode::kObserve;
  DecisionOutcome outcome = DecisionOutcome::kIntent;
  std::string approved_by;  // kApproved: the operator
  std::string detail;
  Nanos result_at = 0;
};

// The outcome as recorded: "" for an intent, "applied", …, "approved by <who>".
std::string outcome_text(const Decision& decision);
// An outcome read back from a record (the store's column, a decision's JSON); none for text
// that names no outcome. "approved by <who>" is kApproved.
std::optional<DecisionOutcome> parse_outcome(std::string_view text);
// An outcome that changed a target's value: applied, or rolled back.
bool took_effect(DecisionOutcome outcome);

// A parameter's value as a version: the first 12 hex digits of SHA-256 over "name=value" (the
// value as JSON). The same value is the same version whoever set it, so `setpoint rollback
// --to` names a content, not an event.
std::string value_version(std::string_view parameter, std::string_view value_json);

// The record as one JSON line (no newline), for the decision log and `grep`.
std::string decision_json(const Decision& decision);

}  // namespace setpoint

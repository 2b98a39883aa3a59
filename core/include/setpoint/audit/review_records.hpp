#pragma once
// What the store keeps and gives for a dry-run review: an operator's mark on a would-have-been
// decision (a false positive: it would have been wrong to do), and the decisions made in
// observe and advise mode grouped by policy, target and what became of them, with how far each
// would have moved its target. Plain values, read by /v1/review and `setpoint review`.
#include <cstdint>
#include <string>

#include "setpoint/base/clock.hpp"

namespace setpoint {

struct DecisionMark {
  std::int64_t decision = 0;
  std::string kind = "false_positive";
  std::string note;
  std::string by;  // the token's name
  Nanos at = 0;
  std::string policy, target;  // the decision's, when read back for a review
};

// One group of would-have-been decisions: the same policy, target, kind, mode, outcome
// (shadow, advised or blocked) and, when blocked, the guard's reason. The step is
// |value − current| for a numeric change (what was proposed, when blocked); bools, enums and
// actions are counted without one.
struct ReviewGroup {
  std::string policy, target, kind, mode, outcome, reason;
  std::int64_t count = 0;
  std::int64_t numeric = 0;           // those with a step
  std::int64_t up = 0, down = 0;      // by direction
  double step_sum = 0, step_max = 0;  // over the numeric ones
  double relative_sum = 0;            // |value − current| / |current|, where current ≠ 0
  std::int64_t relative_count = 0;
  std::int64_t marked = 0;  // marked as false positives
  Nanos first = 0, last = 0;
};

}  // namespace setpoint

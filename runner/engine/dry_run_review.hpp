#pragma once
// A dry-run review: what observe (and advise) mode would have done over a period, per policy
// and target — how often it would have acted, which way and how far, how many the guard would
// have blocked and why, and how many of them an operator marked as false positives — so a team
// can move a policy to enforce with numbers. Built from the store's grouped decisions; served
// at /v1/review and printed by `setpoint review`. Marking a decision is an operator's action.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "setpoint/audit/review_records.hpp"

namespace setpoint::runner {

class Engine;

// `modes`: each policy's mode now, by name (a policy no longer loaded has none); `marks`: the
// period's marks, newest first (each policy lists its newest 20 with their notes);
// `unreadable`: records of the period that are not JSON (counted, said, not reviewed).
nlohmann::json dry_run_review(const std::vector<ReviewGroup>& groups,
                              const std::vector<DecisionMark>& marks, std::int64_t unreadable,
                              Nanos since, Nanos until,
                              const std::map<std::string, std::string>& modes);

// POST /v1/decisions/{id}/mark: body {false_positive: true, note} marks a would-have-been
// decision (shadow or advised) as a false positive, by `who` (a mark that exists is kept, with
// its author, unless a note is given); {false_positive: false} lifts the mark. 404 for a
// decision that does not exist, 409 for one that was not a would-have-been or, to lift, is not
// marked.
nlohmann::json mark_decision(Engine& e, const std::vector<std::string>& captures,
                             const nlohmann::json& body, const std::string& who);

}  // namespace setpoint::runner

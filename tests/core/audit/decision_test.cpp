#include "setpoint/audit/decision.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace setpoint;

TEST_CASE("decision outcomes: each has one recorded name, read back as itself") {
  using enum DecisionOutcome;
  const DecisionOutcome all[] = {kIntent,     kApplied,  kFailed,   kUnknown, kDrift,
                                 kShadow,     kAdvised,  kPending,  kBlocked, kUnchanged,
                                 kSuperseded, kApproved, kRejected, kExpired, kRolledBack};
  std::set<std::string> names;
  for (const auto outcome : all) {
    Decision d;
    d.outcome = outcome;
    d.approved_by = "operator:otto";
    const std::string text = outcome_text(d);
    names.insert(text);
    CHECK(parse_outcome(text) == outcome);
  }
  CHECK(names.size() == std::size(all));
  Decision d;
  CHECK(outcome_text(d) == "");  // an intent until the actuator answers
  d.outcome = kRolledBack;
  CHECK(outcome_text(d) == "rolled back");
  d.outcome = kApproved;
  d.approved_by = "operator:otto";
  CHECK(outcome_text(d) == "approved by operator:otto");
  CHECK(parse_outcome("approved by anyone") == kApproved);
  CHECK_FALSE(parse_outcome("approved"));
  CHECK_FALSE(parse_outcome("Applied"));
  CHECK_FALSE(parse_outcome("applied "));
  CHECK(took_effect(kApplied));
  CHECK(took_effect(kRolledBack));
  CHECK_FALSE(took_effect(kUnknown));
  CHECK_FALSE(took_effect(kShadow));
}

TEST_CASE("a decision's JSON line carries its outcome by name") {
  Decision d;
  d.outcome = DecisionOutcome::kApproved;
  d.approved_by = "operator:ann";
  CHECK(decision_json(d).find(R"("outcome":"approved by operator:ann")") != std::string::npos);
  d.outcome = DecisionOutcome::kIntent;
  CHECK(decision_json(d).find(R"("outcome":"")") != std::string::npos);
}

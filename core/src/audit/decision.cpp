#include "setpoint/audit/decision.hpp"

#include <utility>

#include "setpoint/base/json_text.hpp"
#include "setpoint/base/sha256.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/guard/guard.hpp"

namespace setpoint {

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::kObserve: return "observe";
    case Mode::kAdvise: return "advise";
    case Mode::kPropose: return "propose";
    case Mode::kEnforce: return "enforce";
  }
  return "observe";
}

namespace {

constexpr std::pair<DecisionOutcome, const char*> kOutcomeNames[] = {
    {DecisionOutcome::kIntent, ""},
    {DecisionOutcome::kApplied, "applied"},
    {DecisionOutcome::kFailed, "failed"},
    {DecisionOutcome::kUnknown, "unknown"},
    {DecisionOutcome::kDrift, "drift"},
    {DecisionOutcome::kShadow, "shadow"},
    {DecisionOutcome::kAdvised, "advised"},
    {DecisionOutcome::kPending, "pending"},
    {DecisionOutcome::kBlocked, "blocked"},
    {DecisionOutcome::kUnchanged, "unchanged"},
    {DecisionOutcome::kSuperseded, "superseded"},
    {DecisionOutcome::kApproved, "approved by"},
    {DecisionOutcome::kRejected, "rejected"},
    {DecisionOutcome::kExpired, "expired"},
    {DecisionOutcome::kRolledBack, "rolled back"},
    {DecisionOutcome::kStaged, "staged"},
};

}  // namespace

std::string outcome_text(const Decision& d) {
  for (const auto& [outcome, name] : kOutcomeNames) {
    if (outcome != d.outcome) continue;
    return d.outcome == DecisionOutcome::kApproved ? std::string(name) + " " + d.approved_by : name;
  }
  return "";
}

std::optional<DecisionOutcome> parse_outcome(std::string_view text) {
  if (text.rfind("approved by ", 0) == 0) return DecisionOutcome::kApproved;
  for (const auto& [outcome, name] : kOutcomeNames) {
    if (outcome != DecisionOutcome::kApproved && text == name) return outcome;
  }
  return std::nullopt;
}

std::string value_version(std::string_view parameter, std::string_view value_json) {
  std::string text(parameter);
  text += '=';
  text += value_json;
  return sha256_hex(text).substr(0, 12);
}

bool took_effect(DecisionOutcome outcome) {
  return outcome == DecisionOutcome::kApplied || outcome == DecisionOutcome::kRolledBack;
}

std::string decision_json(const Decision& d) {
  using json_text::append_number;
  using json_text::append_string;
  std::string out = "{\"id\":";
  out += std::to_string(d.id);
  out += ",\"at\":";
  append_string(out, format_rfc3339(d.at));
  out += ",\"policy\":";
  append_string(out, d.policy);
  out += ",\"policy_version\":";
  append_string(out, d.policy_version);
  out += ",\"kind\":";
  append_string(out, kind_name(d.proposal.kind));
  out += ",\"target\":";
  append_string(out, d.proposal.target);
  if (d.proposal.kind == Proposal::Kind::kSet) {
    out += ",\"proposed\":";
    append_json(out, d.proposal.value);
  } else if (d.proposal.kind == Proposal::Kind::kBounds) {
    out += ",\"bounds\":{\"min\":";
    append_number(out, d.proposal.bounds_min);
    out += ",\"max\":";
    append_number(out, d.proposal.bounds_max);
    out += "}";
  } else {
    out += ",\"args\":{";
    for (std::size_t i = 0; i < d.proposal.args.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_string(out, d.proposal.args[i].first);
      out.push_back(':');
      append_json(out, d.proposal.args[i].second);
    }
    out += "}";
  }
  out += ",\"reason\":";
  append_string(out, d.proposal.reason);
  if (!d.proposal.cycle.empty()) {
    out += ",\"cycle\":";
    append_string(out, d.proposal.cycle);
  }
  if (const auto& e = d.proposal.expected) {
    out += ",\"expected\":{\"series\":";
    append_string(out, e->series);
    out += ",\"stat\":";
    append_string(out, e->stat);
    out += ",\"change\":";
    append_number(out, e->change);
    out += e->higher_is_worse ? ",\"better\":\"lower\"}" : ",\"better\":\"higher\"}";
  }
  if (d.proposal.confidence) {
    out += ",\"confidence\":";
    append_number(out, *d.proposal.confidence);
  }
  out += ",\"evidence\":";
  out += d.evidence.empty() ? "{}" : d.evidence;
  out += ",\"verdict\":";
  append_string(out, name(d.verdict.kind));
  out += ",\"verdict_reason\":";
  append_string(out, name(d.verdict.reason));
  out += ",\"explain\":";
  append_string(out, d.proposal.kind == Proposal::Kind::kBounds
                         ? explain_patch(d.verdict, d.proposal)
                         : explain(d.verdict, d.proposal.target));
  if (d.proposal.kind != Proposal::Kind::kAct) {
    out += ",\"current\":";
    append_number(out, d.verdict.current);
  }
  if (d.proposal.kind == Proposal::Kind::kSet) {
    out += ",\"value\":";
    append_number(out, d.verdict.value);
  }
  out += ",\"mode\":";
  append_string(out, mode_name(d.mode));
  out += ",\"outcome\":";
  append_string(out, outcome_text(d));
  out += ",\"detail\":";
  append_string(out, d.detail);
  out += "}";
  return out;
}

}  // namespace setpoint

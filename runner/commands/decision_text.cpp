#include "commands/decision_text.hpp"

#include "setpoint/audit/decision.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// Reasons that say the proposal never had a value for the parameter: its current and value
// fields are zeros, only what was proposed means anything.
bool refused_outright(const std::string& reason) {
  return reason == "unknown_target" || reason == "not_granted" || reason == "not_declared" ||
         reason == "wrong_type" || reason == "not_finite" || reason == "bad_argument";
}

}  // namespace

std::string decision_text(const std::string& record_json) {
  const auto d = parse_own_json(record_json);
  if (!d.is_object()) return utf8::printable(record_json, 2000);
  const auto text = [&](const char* key) {
    if (!d.contains(key) || d[key].is_null()) return std::string();
    return utf8::printable(d[key].is_string() ? d[key].get<std::string>() : dump(d[key]), 500);
  };
  const std::string verdict = text("verdict");
  const std::string reason = text("verdict_reason");
  std::string line = "#" + text("id") + "  " + text("at") + "  " + text("policy") + "  " +
                     text("kind") + " " + text("target");
  if (text("kind") == "act") {
    line += " " + text("args");
  } else if (text("kind") == "bounds") {
    const json& b = d.contains("bounds") && d["bounds"].is_object() ? d["bounds"] : json();
    const auto side = [&](const char* key) {
      return b.contains(key) ? utf8::printable(dump(b[key]), 40) : std::string("?");
    };
    line += " [" + side("min") + ", " + side("max") + "]";
  } else if (refused_outright(reason) || !d.contains("proposed") || !d["proposed"].is_number()) {
    line += " to " + text("proposed");  // an enum's choice, a bool, or a value never vetted
  } else {
    line += " " + text("current") + " -> " + text("value");
  }
  // The verdict once, with why when it is not a plain allow: the explanation without the
  // "block: cooldown: target a -> b" it starts with.
  line += "  " + verdict;
  if (verdict != "allow") {
    std::string why = text("explain");
    const std::string head = verdict + ": " + reason + ": ";
    if (why.rfind(head, 0) == 0) why.erase(0, head.size());
    const std::string move = text("target") + " " + text("current") + " -> " + text("proposed");
    if (why.rfind(move, 0) == 0) why.erase(0, move.size());
    while (!why.empty() && (why.front() == ':' || why.front() == ' ')) why.erase(0, 1);
    line += " (" + reason + (why.empty() ? "" : ": " + why) + ")";
  }
  using enum DecisionOutcome;
  const std::string said = text("outcome");
  const auto outcome = parse_outcome(said);
  line += "  " + text("mode");
  if (outcome == kIntent)
    line += ": applying";
  else if (outcome != kBlocked)
    line += ": " + said;
  // What happened past the verdict, when it is news: a failure, a drift, a supersession.
  const std::string detail = text("detail");
  const bool news = outcome == kFailed || outcome == kDrift || outcome == kSuperseded ||
                    outcome == kUnchanged || outcome == kExpired || outcome == kUnknown ||
                    outcome == kRejected;
  if (news && !detail.empty()) line += ": " + detail;
  if (!text("reason").empty()) line += "  [" + text("reason") + "]";
  // An autopilot change: what it expects, how sure it is, and its cycle.
  if (d.contains("expected") && d["expected"].is_object()) {
    const auto& e = d["expected"];
    const auto field = [&](const char* key) {
      return e.contains(key)
                 ? utf8::printable(e[key].is_string() ? e[key].get<std::string>() : dump(e[key]),
                                   300)
                 : std::string();
    };
    line += "  expects " + field("stat") + " " + field("change") + " on " + field("series");
  }
  if (d.contains("confidence")) line += " (confidence " + text("confidence") + ")";
  if (d.contains("cycle")) line += "  cycle " + text("cycle");
  return line;
}

}  // namespace setpoint::runner

#include "engine/dry_run_review.hpp"

#include <algorithm>
#include <cmath>

#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr std::size_t kMaxNote = 2000;
constexpr std::size_t kMarksShown = 20;

json rate(double part, double whole) { return whole > 0 ? json(part / whole) : json(); }

// One target's would-have-been decisions, summed over its groups.
struct TargetTotals {
  std::string kind;
  std::int64_t would_act = 0, numeric = 0, up = 0, down = 0, relative_count = 0, marked = 0;
  double step_sum = 0, step_max = 0, relative_sum = 0;
  std::map<std::string, std::int64_t> blocked;
  Nanos first = 0, last = 0;

  void add(const ReviewGroup& g) {
    kind = g.kind;
    first = first == 0 ? g.first : std::min(first, g.first);
    last = std::max(last, g.last);
    if (g.outcome == "blocked") {
      blocked[g.reason] += g.count;
      return;
    }
    would_act += g.count;
    numeric += g.numeric;
    up += g.up;
    down += g.down;
    step_sum += g.step_sum;
    step_max = std::max(step_max, g.step_max);
    relative_sum += g.relative_sum;
    relative_count += g.relative_count;
    marked += g.marked;
  }
};

std::int64_t sum(const std::map<std::string, std::int64_t>& m) {
  std::int64_t n = 0;
  for (const auto& [k, v] : m) n += v;
  return n;
}

json target_json(const std::string& target, const TargetTotals& t, double days) {
  return {{"target", target},
          {"kind", t.kind},
          {"would_act", t.would_act},
          {"per_day", days > 0 ? json(static_cast<double>(t.would_act) / days) : json()},
          {"up", t.up},
          {"down", t.down},
          {"mean_step", rate(t.step_sum, static_cast<double>(t.numeric))},
          {"max_step", t.numeric > 0 ? json(t.step_max) : json()},
          {"mean_step_pct", t.relative_count > 0
                                ? json(100 * t.relative_sum / static_cast<double>(t.relative_count))
                                : json()},
          {"blocked", sum(t.blocked)},
          {"blocked_by", t.blocked},
          {"false_positives", t.marked},
          {"first", format_rfc3339(t.first)},
          {"last", format_rfc3339(t.last)}};
}

}  // namespace

json dry_run_review(const std::vector<ReviewGroup>& groups, const std::vector<DecisionMark>& marks,
                    std::int64_t unreadable, Nanos since, Nanos until,
                    const std::map<std::string, std::string>& modes) {
  // By policy, then by target and kind (a target that is set and acted on is two rows).
  std::map<std::string, std::map<std::pair<std::string, std::string>, TargetTotals>> by_policy;
  for (const auto& g : groups) by_policy[g.policy][{g.target, g.kind}].add(g);
  std::map<std::string, json> noted;  // each policy's newest marks
  for (const auto& m : marks) {
    json& list = noted[m.policy];
    if (list.size() >= kMarksShown) continue;
    list.push_back({{"decision", m.decision},
                    {"target", m.target},
                    {"note", m.note},
                    {"by", m.by},
                    {"at", format_rfc3339(m.at)}});
  }
  const double days = static_cast<double>(until - since) / (86400.0 * kNanosPerSecond);
  json policies = json::array();
  for (const auto& [policy, targets] : by_policy) {
    std::int64_t would_act = 0, blocked = 0, marked = 0;
    std::map<std::string, std::int64_t> blocked_by;
    json rows = json::array();
    for (const auto& [key, t] : targets) {
      const std::string& target = key.first;
      would_act += t.would_act;
      marked += t.marked;
      for (const auto& [reason, n] : t.blocked) {
        blocked += n;
        blocked_by[reason] += n;
      }
      rows.push_back(target_json(target, t, days));
    }
    const auto mode = modes.find(policy);
    policies.push_back(
        {{"policy", policy},
         {"mode_now", mode == modes.end() ? json() : json(mode->second)},
         {"would_act", would_act},
         {"blocked", blocked},
         {"blocked_by", blocked_by},
         {"false_positives", marked},
         {"false_positive_rate", rate(static_cast<double>(marked), static_cast<double>(would_act))},
         {"targets", rows},
         {"marks", noted.contains(policy) ? noted[policy] : json::array()}});
  }
  return {{"since", format_rfc3339(since)},
          {"until", format_rfc3339(until)},
          {"days", days},
          {"unreadable_records", unreadable},
          {"policies", policies}};
}

json mark_decision(Engine& e, const std::vector<std::string>& captures, const json& body,
                   const std::string& who) {
  // "#42" as decision lines show it, or 42.
  const std::string& given = captures.at(0);
  const std::string digits = given.rfind('#', 0) == 0 ? given.substr(1) : given;
  const auto id = digits.size() > 18 ? std::nullopt : parse_integer(digits);
  const std::string shown = utf8::printable(digits, 40);
  if (!id)
    throw Refusal{400, "\"" + utf8::printable(given, 40) + "\" is not a decision id like 42"};
  if (*id <= 0) throw Refusal{404, "no decision " + shown};
  if (e.store() == nullptr) throw Refusal{404, "this engine keeps no decisions (no state file)"};
  if (!body.contains("false_positive") || !body["false_positive"].is_boolean())
    throw Refusal{400, "the body needs \"false_positive\": true (or false, to lift the mark)"};
  std::string note;
  if (body.contains("note")) {
    if (!body["note"].is_string()) throw Refusal{400, "\"note\" must be a string"};
    note = body["note"].get<std::string>();
    if (note.size() > kMaxNote)
      throw Refusal{400, "\"note\" is " + std::to_string(note.size()) + " bytes; at most " +
                             std::to_string(kMaxNote)};
  }
  const auto found = e.store()->decision(*id);
  if (!found) throw Refusal{503, "cannot read decision " + shown + ": " + found.error()};
  if (!*found) throw Refusal{404, "no decision " + shown};
  const std::string& outcome = (*found)->outcome;
  // Only what was not done can be marked as what would have been wrong to do.
  if (outcome == "blocked")
    throw Refusal{409, "decision " + shown +
                           " was blocked by the guard: only a change that would have been made "
                           "(shadow or advised) can be a false positive"};
  if (outcome != "shadow" && outcome != "advised")
    throw Refusal{409, "decision " + shown + " is " + (outcome.empty() ? "an intent" : outcome) +
                           ", not a would-have-been decision (observe or advise mode): only "
                           "those are reviewed"};
  const auto existing = e.store()->decision_mark(*id);
  if (!existing)
    throw Refusal{503, "cannot read decision " + shown + "'s mark: " + existing.error()};
  const auto answer = [&](const DecisionMark& m, bool already) {
    json a{{"decision", *id}, {"false_positive", true}, {"by", m.by}, {"at", format_rfc3339(m.at)}};
    if (!m.note.empty()) a["note"] = m.note;
    if (already) a["already"] = true;
    return a;
  };
  if (!body["false_positive"].get<bool>()) {
    if (!*existing) throw Refusal{409, "decision " + shown + " is not marked"};
    if (const auto lifted = e.store()->unmark_decision(*id); !lifted)
      throw Refusal{503, "cannot lift the mark on decision " + shown + ": " + lifted.error()};
    return {{"decision", *id}, {"false_positive", false}};
  }
  // Marked already: kept as it is (its author and note), unless a new note replaces it.
  if (*existing && note.empty()) return answer(**existing, true);
  const std::string by = who.rfind("operator:", 0) == 0 ? who.substr(9) : who;
  const DecisionMark mark{*id, "false_positive", note, by, e.clock().wall(), "", ""};
  if (const auto kept = e.store()->mark_decision(mark); !kept)
    throw Refusal{503, "cannot mark decision " + shown + ": " + kept.error()};
  return answer(mark, false);
}

}  // namespace setpoint::runner

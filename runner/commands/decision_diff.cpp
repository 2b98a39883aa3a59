#include "commands/decision_diff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "commands/decision_text.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

json member(const json& d, const char* key) {
  return d.is_object() && d.contains(key) ? d[key] : json();
}

std::string field(const json& d, const char* key) {
  const json v = member(d, key);
  return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : dump(v);
}

// What a decision would have done, as compared: the verdict and its reason, the value it
// would set (or a bounds patch's range, an action's arguments), and what became of it.
std::string signature(const json& d) {
  return dump(json{{"verdict", member(d, "verdict")},
                   {"verdict_reason", member(d, "verdict_reason")},
                   {"value", member(d, "value")},
                   {"proposed", member(d, "proposed")},
                   {"bounds", member(d, "bounds")},
                   {"args", member(d, "args")},
                   {"outcome", member(d, "outcome")}});
}

bool would_apply(const json& d) {
  const std::string outcome = field(d, "outcome");
  return field(d, "verdict") != "block" &&
         (outcome == "shadow" || outcome == "applied" || outcome == "staged");
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", x);
  return buf;
}

std::string range_text(const DiffTotals::Range& r) {
  if (!r.seen) return "–";
  return "[" + number(r.min) + ", " + number(r.max) + "] final " + number(r.last) + ", " +
         std::to_string(r.changes) + " change" + (r.changes == 1 ? "" : "s");
}

json totals_json(const DiffTotals& t) {
  json params = json::object();
  for (const auto& [name, r] : t.parameters)
    params[name] = {{"min", r.min}, {"max", r.max}, {"final", r.last}, {"changes", r.changes}};
  return {{"decisions", t.decisions},
          {"errors", t.errors},
          {"would_apply", t.would_apply},
          {"blocked", t.blocked},
          {"parameters", params}};
}

bool same_range(const DiffTotals::Range& a, const DiffTotals::Range& b) {
  return a.seen == b.seen && a.min == b.min && a.max == b.max && a.last == b.last &&
         a.changes == b.changes;
}

}  // namespace

void DecisionDiff::record(DiffSide side, const std::string& record) {
  const json d = parse_own_json(record);
  if (!d.is_object() || field(d, "outcome").empty()) return;  // an intent: its result follows
  const int s = static_cast<int>(side);
  DiffTotals& t = totals_[s];
  ++t.decisions;
  if (would_apply(d)) ++t.would_apply;
  if (field(d, "verdict") == "block") ++t.blocked[field(d, "verdict_reason")];
  pass_[s][{field(d, "policy"), field(d, "target"), field(d, "kind")}].push_back(
      {signature(d), record});
}

void DecisionDiff::error(DiffSide side, const std::string& policy, const std::string& message,
                         Nanos at) {
  const int s = static_cast<int>(side);
  ++totals_[s].errors;
  const std::string record = dump(
      json{{"at", format_rfc3339(at)}, {"policy", policy}, {"kind", "error"}, {"error", message}});
  pass_[s][{policy, "", "error"}].push_back({"error", record});
}

void DecisionDiff::value(DiffSide side, const std::string& parameter, double v) {
  DiffTotals::Range& r = totals_[static_cast<int>(side)].parameters[parameter];
  if (!r.seen) {
    r = {v, v, v, 0, true};
    return;
  }
  if (v != r.last) ++r.changes;
  r.min = std::min(r.min, v);
  r.max = std::max(r.max, v);
  r.last = v;
}

void DecisionDiff::close_pass(Nanos at) {
  auto& olds = pass_[0];
  auto& news = pass_[1];
  std::vector<Key> keys;
  for (const auto& [k, v] : olds) keys.push_back(k);
  for (const auto& [k, v] : news)
    if (!olds.contains(k)) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  bool diverged = false;
  for (const auto& key : keys) {
    const auto& a = olds[key];
    const auto& b = news[key];
    const bool same = a.size() == b.size() &&
                      std::equal(a.begin(), a.end(), b.begin(), [](const Entry& x, const Entry& y) {
                        return x.signature == y.signature;
                      });
    if (same) continue;
    diverged = true;
    ++divergences_;
    Divergence d{at, std::get<0>(key), std::get<1>(key), std::get<2>(key), {}, {}, false};
    const auto a_was = before_[0].find(d.target), b_was = before_[1].find(d.target);
    d.follows =
        a_was != before_[0].end() && b_was != before_[1].end() && a_was->second != b_was->second;
    if (!d.follows) ++roots_;
    for (const auto& e : a) d.old_records.push_back(e.record);
    for (const auto& e : b) d.new_records.push_back(e.record);
    if (on_divergence_) on_divergence_(d);
  }
  if (diverged) ++diverging_passes_;
  for (int s = 0; s < 2; ++s) {
    for (const auto& [name, r] : totals_[s].parameters) before_[s][name] = r.last;
  }
  olds.clear();
  news.clear();
}

std::string divergence_json(const Divergence& d) {
  const auto records = [](const std::vector<std::string>& list) {
    json out = json::array();
    for (const auto& r : list) out.push_back(parse_own_json(r));
    return out;
  };
  return dump(json{{"divergence", format_rfc3339(d.at)},
                   {"policy", d.policy},
                   {"target", d.target},
                   {"kind", d.kind},
                   {"follows", d.follows},
                   {"old", records(d.old_records)},
                   {"new", records(d.new_records)}});
}

std::string divergence_text(const Divergence& d) {
  std::string out =
      format_rfc3339(d.at) + "  " + utf8::printable(d.target.empty() ? d.kind : d.target, 200) +
      "  (" + utf8::printable(d.policy, 200) + ")" +
      (d.follows ? "  follows an earlier divergence: the sides stood apart" : "") + "\n";
  // The evidence once when both read the same (the usual case: the same telemetry).
  const auto evidence_of = [](const std::vector<std::string>& records) {
    return records.size() == 1 ? member(parse_own_json(records[0]), "evidence") : json();
  };
  const json shared = evidence_of(d.old_records);
  const bool same_evidence = !shared.is_null() && shared == evidence_of(d.new_records);
  const auto side = [&](const char* name, const std::vector<std::string>& records) {
    if (records.empty()) out += std::string("  ") + name + ": no decision\n";
    for (const auto& r : records) {
      const json rec = parse_own_json(r);
      if (field(rec, "kind") == "error") {
        out += std::string("  ") + name +
               ": the evaluation failed: " + utf8::printable(field(rec, "error"), 600) + "\n";
        continue;
      }
      out += std::string("  ") + name + ": " + decision_text(r) + "\n";
      const json evidence = member(rec, "evidence");
      if (!evidence.is_null() && !same_evidence && !d.follows)
        out += "       evidence: " + utf8::printable(dump(evidence), 600) + "\n";
    }
  };
  side("old", d.old_records);
  side("new", d.new_records);
  if (same_evidence && !d.follows)
    out += "  both read: " + utf8::printable(dump(shared), 600) + "\n";
  return out;
}

std::string diff_summary_json(const DecisionDiff& diff, const std::string& old_dir,
                              const std::string& new_dir) {
  return dump(
      json{{"summary", diff.divergences() == 0 ? "same" : "different"},
           {"divergences", diff.divergences()},
           {"diverging_passes", diff.diverging_passes()},
           {"root_divergences", diff.root_divergences()},
           {"old", {{"policies", old_dir}, {"totals", totals_json(diff.totals(DiffSide::kOld))}}},
           {"new", {{"policies", new_dir}, {"totals", totals_json(diff.totals(DiffSide::kNew))}}}});
}

std::string diff_summary_text(const DecisionDiff& diff, const std::string& old_dir,
                              const std::string& new_dir) {
  const DiffTotals& a = diff.totals(DiffSide::kOld);
  const DiffTotals& b = diff.totals(DiffSide::kNew);
  std::string out;
  const auto row = [&](const std::string& label, const std::string& x, const std::string& y) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "  %-28s %-36s %s\n", label.c_str(), x.c_str(), y.c_str());
    out += buf;
  };
  row("", "old: " + utf8::printable(old_dir, 30), "new: " + utf8::printable(new_dir, 30));
  row("decisions", std::to_string(a.decisions), std::to_string(b.decisions));
  row("changes that would apply", std::to_string(a.would_apply), std::to_string(b.would_apply));
  row("failed evaluations", std::to_string(a.errors), std::to_string(b.errors));
  std::map<std::string, bool> reasons;
  for (const auto& [r, n] : a.blocked) reasons[r] = true;
  for (const auto& [r, n] : b.blocked) reasons[r] = true;
  const auto count = [](const std::map<std::string, std::uint64_t>& m, const std::string& k) {
    const auto it = m.find(k);
    return std::to_string(it == m.end() ? 0 : it->second);
  };
  if (reasons.empty()) row("blocked", "0", "0");
  for (const auto& [r, unused] : reasons)
    row("blocked: " + r, count(a.blocked, r), count(b.blocked, r));
  std::map<std::string, bool> params;
  for (const auto& [p, r] : a.parameters) params[p] = true;
  for (const auto& [p, r] : b.parameters) params[p] = true;
  for (const auto& [p, unused] : params) {
    const auto ra = a.parameters.contains(p) ? a.parameters.at(p) : DiffTotals::Range{};
    const auto rb = b.parameters.contains(p) ? b.parameters.at(p) : DiffTotals::Range{};
    row(utf8::printable(p, 28), range_text(ra), range_text(rb) + (same_range(ra, rb) ? "" : "  *"));
  }
  out += diff.divergences() == 0
             ? "same: every decision matched\n"
             : "different: " + std::to_string(diff.divergences()) + " diverging decision" +
                   (diff.divergences() == 1 ? "" : "s") + " in " +
                   std::to_string(diff.diverging_passes()) + " pass" +
                   (diff.diverging_passes() == 1 ? "" : "es") + ", " +
                   std::to_string(diff.root_divergences()) +
                   " where both stood at the same value (the rest follow from those)\n";
  return out;
}

}  // namespace setpoint::runner

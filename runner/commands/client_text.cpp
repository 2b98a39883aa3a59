// Each control-plane answer as text, over 400 lines because it holds one short renderer per
// answer (state, policies, params, decisions, ..., and the mutations); the long reports have
// files of their own (triage_text, review_text, decision_text).
#include "commands/client_text.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands/decision_text.hpp"
#include "commands/review_text.hpp"
#include "commands/triage_text.hpp"
#include "setpoint/audit/decision.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// A value as a cell: strings as they are (made printable), numbers short, null as "-".
std::string cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return utf8::printable(v.get<std::string>(), 200);
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number()) {
    const double x = v.get<double>();
    char text[32];
    if (x == std::floor(x) && std::abs(x) < 1e15)
      std::snprintf(text, sizeof text, "%.0f", x);
    else
      std::snprintf(text, sizeof text, "%.4g", x);
    return text;
  }
  return utf8::printable(dump(v), 200);
}

// A member of what the engine (or whatever answers at --url) sent, null when it is not there:
// operator[] on a const document is undefined for a missing key, and the answer is outside input.
const json& at(const json& o, const char* key) {
  static const json null;
  if (!o.is_object()) return null;
  const auto it = o.find(key);
  return it == o.end() ? null : *it;
}

std::string field(const json& o, const char* key) {
  return o.is_object() && o.contains(key) ? cell(at(o, key)) : std::string("-");
}

// Columns as wide as their widest cell (in code points), two spaces apart.
std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  const auto width = [](const std::string& s) {
    std::size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    return n;
  };
  std::vector<std::size_t> widths;
  for (const auto& h : header) widths.push_back(width(h));
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], width(row[i]));
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(widths[i] - width(cells[i]) + 2, ' ');
    }
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  if (rows.empty()) out += "(none)\n";
  return out;
}

std::string percent(const json& v) {
  if (!v.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", v.get<double>() * 100);
  return text;
}

std::string state_text(const json& doc) {
  std::vector<std::vector<std::string>> rows;
  const json series = doc.value("series", json::object());
  for (const auto& [key, s] : series.items()) {
    rows.push_back({utf8::printable(key, 200), field(s, "count"), field(s, "rate_per_s"),
                    percent(s.value("error_rate", json())), field(s, "p50"), field(s, "p99")});
  }
  return "windows over " + field(doc, "span_s") + " s at " + field(doc, "at") + "\n" +
         table({"SERIES", "COUNT", "RATE/S", "ERRORS", "P50", "P99"}, rows);
}

std::string policies_text(const json& doc) {
  std::vector<std::vector<std::string>> rows;
  std::string notes;
  for (const auto& p : doc) {
    std::string state = p.value("quarantined", false)
                            ? "quarantined until " + field(p, "quarantined_until")
                        : p.value("disabled", false) ? "disabled"
                                                     : "running";
    if (at(p, "name").is_null()) state = "not loaded";
    const std::string version =
        at(p, "version").is_string() ? at(p, "version").get<std::string>().substr(0, 12) : "-";
    rows.push_back({field(p, "name"), field(p, "file"), version, field(p, "mode"),
                    field(p, "schedule"), field(p, "last_evaluation"), field(p, "evaluations"),
                    field(p, "failures"), state});
    const json reload = p.value("reload", json::object());
    if (!reload.value("ok", true))
      notes += "  " + field(p, "file") + ": " + field(reload, "message") + "\n";
    if (at(p, "last_error").is_string())
      notes += "  " + field(p, "file") + ": last error: " + field(p, "last_error") + "\n";
    if (const json& shadow = at(p, "shadow"); shadow.is_object()) {
      // The new version beside it: what it would have done otherwise, and what comes next.
      notes +=
          "  " + field(p, "name") + ": shadow " +
          at(shadow, "version").get<std::string>().substr(0, 12) + " " + field(shadow, "state") +
          " since " + field(shadow, "since") + ": " + field(shadow, "divergences") +
          " divergence(s) in " + field(shadow, "evaluations") + " evaluation(s)" +
          (at(shadow, "at_bound") != 0 ? ", " + field(shadow, "at_bound") + " to a bound" : "") +
          (at(shadow, "promotes") == true
               ? "; promoted at " + field(shadow, "until") + " if it stays within " +
                     field(shadow, "max_divergences")
               : "; setpoint policies promote|discard " + field(p, "name")) +
          "\n";
      for (const auto& d : at(shadow, "recent"))
        notes += "    " + field(d, "at") + " " + field(d, "target") + ": live " + field(d, "live") +
                 ", shadow " + field(d, "shadow") +
                 (at(d, "follows") == true ? " (follows an earlier divergence)" : "") + "\n";
    }
  }
  return table({"POLICY", "FILE", "VERSION", "MODE", "SCHEDULE", "LAST RUN", "RUNS", "ERRORS",
                "STATE"},
               rows) +
         notes;
}

// A bound as a person reads it: 124.286 rather than 124.28571428571429.
std::string number_cell(const json& v) {
  if (!v.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%g", v.get<double>());
  return text;
}

std::string params_text(const json& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : doc) {
    std::string value = field(p, "value");
    if (at(p, "choices").is_array() && at(p, "value").is_number()) {
      const double i = at(p, "value").get<double>();  // an index, if it is one
      if (i >= 0 && i < static_cast<double>(at(p, "choices").size()))
        value = cell(at(p, "choices")[static_cast<std::size_t>(i)]);
    }
    const std::string bounds =
        p.contains("min") ? "[" + field(p, "min") + ", " + field(p, "max") + "]" : "-";
    const json pin = p.value("override", json());
    const std::string pinned =
        pin.is_object() ? field(pin, "value") + " until " + field(pin, "until") : "-";
    std::string paused;
    const json pauses = p.value("paused", json::array());
    for (const auto& pause : pauses)
      paused += (paused.empty() ? "" : ", ") + field(pause, "direction");
    const std::string version = at(p, "version").is_number() ? "#" + field(p, "version") : "-";
    const json& op = at(p, "operating");
    const std::string operating =
        op.is_object() ? (at(op, "frozen") == true ? "frozen " : "") + std::string("[") +
                             number_cell(at(op, "min")) + ", " + number_cell(at(op, "max")) + "]"
                       : "-";
    const std::string rollout = at(p, "rollout").is_string() ? field(p, "rollout") : "-";
    rows.push_back({field(p, "name"), value, bounds, operating, version, field(p, "last_change"),
                    pinned, paused.empty() ? "-" : paused, rollout});
  }
  return table({"PARAMETER", "VALUE", "BOUNDS", "OPERATING", "VERSION", "LAST CHANGE", "PINNED",
                "PAUSED", "ROLLOUT"},
               rows);
}

// A change as a signed percent (+20.0%), or a share as a plain one (45.0%).
std::string percent_cell(const json& v, bool sign = true) {
  if (!v.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, sign ? "%+.1f%%" : "%.1f%%", v.get<double>() * 100);
  return text;
}

// The cycles, newest first, each with what its changes did against their predictions.
std::string cycles_text(const json& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : doc) {
    std::string impact;
    for (const auto& i : c.value("impacts", json::array())) {
      if (!impact.empty()) impact += "; ";
      impact += at(i, "actual").is_number() ? field(i, "target") + " " + field(i, "stat") + " " +
                                                  percent_cell(at(i, "actual")) + " (predicted " +
                                                  percent_cell(at(i, "predicted")) + ")" +
                                                  (at(i, "worse") == true ? " rolled back" : "")
                                            : field(i, "target") + " not measured";
    }
    const json changes = at(at(c, "outcome"), "changes");
    rows.push_back({field(c, "id"), field(c, "status"),
                    std::to_string(changes.is_array() ? changes.size() : 0),
                    impact.empty() ? "-" : impact,
                    field(c, "error") == "" ? "-" : field(c, "error")});
  }
  return rows.empty() ? "(no cycles)\n"
                      : table({"CYCLE", "STATUS", "CHANGES", "IMPACT", "WHY"}, rows);
}

// Rollouts in flight, then the recent ones, each with its step, weight and last sentence.
std::string rollouts_text(const json& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const char* part : {"running", "recent"}) {
    for (const auto& r : doc.value(part, json::array())) {
      rows.push_back({field(r, "id"), field(r, "status"), field(r, "step"),
                      number_cell(at(r, "weight")) + "%",
                      number_cell(at(r, "baseline")) + " -> " + number_cell(at(r, "canary")),
                      field(r, "reason")});
    }
  }
  return rows.empty() ? "(no rollouts)\n"
                      : table({"ROLLOUT", "STATUS", "STEP", "WEIGHT", "VALUE", "LAST"}, rows);
}

// The autopilot at a glance: paused or not, the monitor's figures, the operating bounds.
std::string autopilot_text(const json& doc) {
  std::string out = "autopilot: ";
  if (at(doc, "enabled") == false)
    out += "off (autopilot.enabled: false)";
  else if (at(doc, "paused") == true)
    out += "paused by the drift monitor until " + field(doc, "paused_until") +
           " (setpoint autopilot --resume lifts it)";
  else
    out += "running";
  if (at(doc, "store_failing") == true) out += "; the store cannot record cycles: none runs";
  const json& m = at(doc, "monitor");
  out += "\nmonitor over " + field(m, "window") + ": mean prediction error " +
         percent_cell(at(m, "mean_prediction_error"), false) + " of " + field(m, "measured") +
         " measured, rollback rate " + percent_cell(at(m, "rollback_rate"), false) + " (" +
         field(m, "rolled_back") + " of " + field(m, "changes") + "), " +
         field(m, "consecutive_failures") + " failed cycle(s) in a row\n";
  for (const auto& r : doc.value("running", json::array()))
    out += "running: " + field(r, "id") + " (deadline " + field(r, "deadline") + ")\n";
  std::vector<std::vector<std::string>> rows;
  const json bounds = doc.value("bounds", json::object());  // items() of a temporary dangles
  for (const auto& [name, b] : bounds.items()) {
    rows.push_back({utf8::printable(name, 200),
                    "[" + number_cell(at(b, "min")) + ", " + number_cell(at(b, "max")) + "]",
                    at(b, "frozen") == true ? "frozen" : "-", field(b, "since"),
                    field(b, "rollbacks")});
  }
  if (!rows.empty()) out += table({"PARAMETER", "OPERATING", "FROZEN", "SINCE", "ROLLBACKS"}, rows);
  for (const auto& a : doc.value("alerts", json::array())) out += "alert: " + cell(a) + "\n";
  return out;
}

// A parameter's versions, newest first.
std::string history_text(const json& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : doc.value("versions", json::array())) {
    rows.push_back({field(v, "version"), "#" + field(v, "decision"), field(v, "at"),
                    field(v, "value"), field(v, "by"),
                    at(v, "cycle").is_string() ? field(v, "cycle") : "-", field(v, "outcome"),
                    field(v, "rationale")});
  }
  return rows.empty()
             ? "(no applied values)\n"
             : table({"VERSION", "DECISION", "AT", "VALUE", "BY", "CYCLE", "OUTCOME", "RATIONALE"},
                     rows);
}

std::string proposals_text(const json& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : doc) {
    const json r = p.value("record", json::object());
    const json& bounds = at(r, "bounds");
    const std::string change =
        bounds.is_object()
            ? field(r, "target") + " bounds [" + field(bounds, "min") + ", " +
                  field(bounds, "max") + "]"
            : field(r, "target") + " " + field(r, "current") + " -> " + field(r, "value");
    rows.push_back(
        {field(p, "id"), field(p, "policy"), change, field(r, "reason"), field(p, "expires")});
  }
  return table({"ID", "POLICY", "CHANGE", "REASON", "EXPIRES"}, rows);
}

std::string pauses_text(const json& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : doc)
    rows.push_back({field(p, "scope"), field(p, "name"), field(p, "direction"), field(p, "until")});
  return table({"SCOPE", "NAME", "DIRECTION", "UNTIL"}, rows);
}

std::string decisions_text(const json& doc) {
  std::string out;
  for (const auto& d : doc) out += decision_text(dump(d)) + "\n";
  return out.empty() ? "(none)\n" : out;
}

// False when the answer's decision did not make its change (failed, drift, blocked); true
// when it did, or when no decision came with it.
bool made_change(const json& doc) {
  const json& outcome = at(at(doc, "decision"), "outcome");
  if (!outcome.is_string()) return true;
  using enum DecisionOutcome;
  const auto o = parse_outcome(outcome.get<std::string>());
  return o != kFailed && o != kDrift && o != kBlocked;
}

// A mutation's answer in one or two lines.
std::string mutation_text(const std::string& c, const json& doc) {
  std::string out;
  const json decision = doc.value("decision", json());
  if (c == "pause") {
    const std::string name = doc.value("name", std::string());
    out = "paused " + (name.empty() ? std::string("everything") : utf8::printable(name, 200)) +
          (doc.value("direction", std::string("both")) == "both"
               ? ""
               : " (" + field(doc, "direction") + " only)") +
          " until " + (at(doc, "until").is_null() ? std::string("resumed") : field(doc, "until"));
  } else if (c == "resume") {
    out = "lifted " + field(doc, "resumed") + " pause(s)";
  } else if (c == "override") {
    out = field(doc, "parameter") +
          (made_change(doc)
               ? " pinned at " + field(doc, "value") + " until " + field(doc, "until")
               : " not pinned: the change to " + field(doc, "value") + " did not happen");
  } else if (c == "approve") {
    out = "proposal " + field(doc, "proposal") + " approved" +
          (made_change(doc) ? "" : ", but its change did not happen");
  } else if (c == "reject") {
    out = "proposal " + field(doc, "rejected") + " rejected";
  } else if (c == "rollback") {
    out = field(doc, "parameter") + " rolled back to " + field(doc, "value") + " (" +
          field(doc, "to") + ")" +
          (at(doc, "pinned_until").is_null() ? "" : "; pinned until " + field(doc, "pinned_until"));
  } else if (c == "release") {
    out = field(doc, "parameter") + ": " + field(doc, "released") +
          " lifted; policies may move it again";
  } else if (c == "unfreeze") {
    out = field(doc, "parameter") + " unfrozen: autopilot cycles may move it again";
  } else if (c == "rollout-abort" || c == "rollout-promote") {
    out = "rollout " + field(doc, "id") + " " + field(doc, "status") + ": " + field(doc, "reason");
  } else if (c == "autopilot-resume") {
    out = "the drift monitor's pause is lifted: the next due cycle runs";
  } else if (c == "decision-mark") {
    out = "decision " + field(doc, "decision");
    if (at(doc, "false_positive") != true)
      out += ": the false-positive mark is lifted";
    else if (at(doc, "already") == true)
      out += " is marked as a false positive already, by " + field(doc, "by") + " at " +
             field(doc, "at") + " (give --note to replace its note)";
    else
      out += " marked as a false positive by " + field(doc, "by");
  } else if (c == "policy-promote") {
    out = field(doc, "policy") + ": " + field(doc, "promoted");
  } else if (c == "policy-discard") {
    out = field(doc, "policy") + ": " + field(doc, "discarded");
  } else if (c == "reload") {
    out = "reloading the policies folder; `setpoint policies` shows each file's result";
  } else {
    out = utf8::printable(dump(doc), 2000);
  }
  out += "\n";
  if (decision.is_object()) out += "  " + decision_text(dump(decision)) + "\n";
  if (doc.contains("note")) out += "  " + field(doc, "note") + "\n";
  return out;
}

}  // namespace

bool change_failed(const std::string& c, const std::string& answer) {
  if (c != "approve" && c != "override" && c != "rollback") return false;
  const auto doc = parse_json(answer, 256);
  if (!doc || !doc->is_object()) return false;
  const auto decision =
      doc->find("decision");  // never operator[] on a const document: UB when absent
  if (decision == doc->end() || !decision->is_object()) return false;
  const json& said = at(*decision, "outcome");
  const std::string outcome = said.is_string() ? said.get<std::string>() : "";
  using enum DecisionOutcome;
  const auto o = parse_outcome(outcome);
  if (o != kFailed && o != kUnknown && o != kDrift && o != kBlocked) return false;
  std::cerr << "setpoint " << c << ": the change did not happen as asked: " << outcome << ": "
            << field(*decision, "detail") << "\n";
  return true;
}

std::string client_text(const std::string& c, const std::string& answer) {
  const auto doc = parse_json(answer, 256);
  if (!doc) return utf8::printable(answer, 4000) + "\n";
  try {
    if (c == "state") return state_text(*doc);
    if (c == "policies") return policies_text(*doc);
    if (c == "params") return params_text(*doc);
    if (c == "proposals") return proposals_text(*doc);
    if (c == "pauses") return pauses_text(*doc);
    if (c == "decisions") return decisions_text(*doc);
    if (c == "cycles") return cycles_text(*doc);
    if (c == "autopilot") return autopilot_text(*doc);
    if (c == "history") return history_text(*doc);
    if (c == "rollouts") return rollouts_text(*doc);
    if (c == "triage" || c == "triage-markdown") return triage_text(*doc, c == "triage-markdown");
    if (c == "review" || c == "review-markdown") return review_text(*doc, c == "review-markdown");
    return mutation_text(c, *doc);
  } catch (const std::exception&) {  // JSON of another shape than the engine's (a type_error):
                                     // shown as it came
    return utf8::printable(answer, 4000) + "\n";
  }
}

std::string refusal_text(const std::string& answer) {
  const auto doc = parse_json(answer, 64);
  // The whole reason, not a table cell's 200 characters: its end says what to do instead.
  if (doc && doc->is_object() && doc->contains("error") && (*doc)["error"].is_string())
    return utf8::printable((*doc)["error"].get<std::string>(), 2000);
  if (doc && doc->is_object() && doc->contains("error")) return cell((*doc)["error"]);
  return utf8::printable(answer, 2000);
}

}  // namespace setpoint::runner

#include "engine/triage_reports.hpp"

#include <cmath>

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/guard/guard.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr std::size_t kMaxWorst = 20;

json patch_json(const Decision& d) {
  json p = {{"decision", d.id},
            {"parameter", d.proposal.target},
            {"min", d.verdict.proposed},  // the range the guard took
            {"max", d.verdict.value},
            {"rationale", d.proposal.reason},
            {"confidence", d.proposal.confidence ? json(*d.proposal.confidence) : json()},
            {"outcome", outcome_text(d)},
            {"explain", explain_patch(d.verdict, d.proposal)}};
  return p;
}

// The decision an incident names ("decision": its id), as a reader needs it.
json decision_behind(const AuditStore& store, const json& incident) {
  if (!incident.is_object() || !incident.contains("decision")) return nullptr;
  const json& id = incident["decision"];
  if (!id.is_number()) return nullptr;
  const double x = id.get<double>();
  if (!(x >= 1 && x <= 9e15) || std::floor(x) != x) return nullptr;
  const auto found = store.decision(static_cast<std::int64_t>(x));
  if (!found || !*found) return nullptr;
  const json record = parse_own_json((*found)->json);
  if (!record.is_object()) return nullptr;
  json out = json::object();
  for (const char* key : {"id", "at", "policy", "kind", "target", "proposed", "current", "value",
                          "reason", "explain", "outcome", "detail", "evidence"}) {
    if (record.contains(key)) out[key] = record[key];
  }
  return out;
}

}  // namespace

TriageReportRow triage_row(const AuditStore& store, const TriageRun& run, const std::string& report,
                           const std::vector<Decision>& decisions) {
  json doc = parse_own_json(report);
  if (!doc.is_object()) doc = json::object();
  TriageReportRow row;
  row.id = run.policy + "@" + format_rfc3339(run.to);
  row.generated_at = run.to;
  row.period_start = run.from;
  row.period_end = run.to;
  row.policy = run.policy;
  row.trigger = run.trigger;
  json patches = json::array();
  for (const Decision& d : decisions) {
    if (d.proposal.kind == Proposal::Kind::kBounds) patches.push_back(patch_json(d));
  }
  json worst = json::array();
  if (doc.contains("worst") && doc["worst"].is_array()) {
    for (const json& incident : doc["worst"]) {
      if (worst.size() >= kMaxWorst) break;
      json shown = incident;
      if (shown.is_object()) {  // what the engine says of it is the engine's, never the policy's
        shown["decision_record"] = decision_behind(store, incident);
        const json& at = incident.contains("at") ? incident["at"] : json();
        shown["when"] =
            at.is_number() && at.get<double>() >= 0 && at.get<double>() < 1e10
                ? json(format_rfc3339(static_cast<Nanos>(at.get<double>() * kNanosPerSecond)))
                : json();
      }
      worst.push_back(std::move(shown));
    }
  }
  json categories = doc.contains("categories") && doc["categories"].is_object() ? doc["categories"]
                                                                                : json::object();
  // Lua has one empty table for both: an empty list of instances reads {} until it is made [].
  for (auto& [name, c] : categories.items()) {
    if (c.is_object() && c.contains("instances") && c["instances"].is_object() &&
        c["instances"].empty())
      c["instances"] = json::array();
  }
  doc.erase("recent");  // the list of reports is the route's to give, not a policy's to forge
  doc["id"] = row.id;
  doc["policy"] = run.policy;
  doc["trigger"] = run.trigger;
  doc["generated_at"] = format_rfc3339(run.to);
  doc["period"] = {{"from", format_rfc3339(run.from)}, {"to", format_rfc3339(run.to)}};
  doc["categories"] = categories;
  doc["worst"] = worst;
  doc["patches"] = patches;
  row.failure_categories = dump(categories);
  row.patch_suggestions = dump(patches);
  row.report = dump(doc);
  return row;
}

}  // namespace setpoint::runner

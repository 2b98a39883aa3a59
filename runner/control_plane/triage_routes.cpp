// The weekly triage's reports: the latest (with the list of recent ones) and one by id, read
// from the store's own connection. Running a triage now is a mutation (POST /v1/triage/run).
#include "control_plane/routes.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr std::size_t kRecent = 20;

json summary_of(const TriageReportRow& row) {
  const json patches = parse_own_json(row.patch_suggestions);
  return {{"id", row.id},
          {"policy", row.policy},
          {"trigger", row.trigger},
          {"generated_at", format_rfc3339(row.generated_at)},
          {"period",
           {{"from", format_rfc3339(row.period_start)}, {"to", format_rfc3339(row.period_end)}}},
          {"patches", patches.is_array() ? patches.size() : 0}};
}

// The report as it is now: each patch's proposal as the store has it (approved, rejected,
// expired, superseded since the report was written), so the report never sends a person to
// approve what is gone. The caller holds the store's lock.
json as_now(const AuditStore& store, const std::string& text) {
  json report = parse_own_json(text);
  if (!report.is_object()) return json::object();
  report.erase("recent");  // old rows: the list is this route's to give
  if (!report.contains("patches") || !report["patches"].is_array()) return report;
  for (json& patch : report["patches"]) {
    if (!patch.is_object() || !patch.contains("decision") || !patch["decision"].is_number_integer())
      continue;
    const auto stored = store.proposal(patch["decision"].get<std::int64_t>());
    if (!stored || !*stored) continue;  // blocked or a shadow: never a proposal, as written
    patch["outcome"] = (*stored)->status;
    if (!(*stored)->decided_by.empty()) patch["decided_by"] = (*stored)->decided_by;
  }
  return report;
}

HttpResponse latest(RouteContext& c) {
  if (!c.reader) return json_error(404, "this engine keeps no triage reports (no state file)");
  Result<std::vector<TriageReportRow>> found = std::vector<TriageReportRow>();
  json report;
  {
    std::lock_guard lock(c.store_mutex);
    found = c.reader->triage_reports(kRecent);
    if (found && !found->empty()) report = as_now(*c.reader, found->front().report);
  }
  if (!found) return json_error(500, "cannot read the triage reports: " + found.error());
  if (found->empty())
    return json_error(404,
                      "no triage report yet: a triage policy (policies/weekly_triage.lua) writes "
                      "one on its schedule, or now with setpoint triage --since 7d");
  json recent = json::array();
  for (const auto& row : *found) recent.push_back(summary_of(row));
  report["recent"] = recent;
  return ok(dump(report));
}

HttpResponse one(RouteContext& c, const std::string& id) {
  if (!c.reader) return json_error(404, "this engine keeps no triage reports (no state file)");
  Result<std::optional<TriageReportRow>> found = std::optional<TriageReportRow>();
  json report;
  {
    std::lock_guard lock(c.store_mutex);
    found = c.reader->triage_report(id);
    if (found && *found) report = as_now(*c.reader, (*found)->report);
  }
  if (!found) return json_error(500, "cannot read the triage report: " + found.error());
  if (!*found) return json_error(404, "no triage report " + utf8::printable(id, 200));
  return ok(dump(report));
}

}  // namespace

std::vector<HttpRoute> triage_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back(read_route(c, "/v1/triage", [&c](HttpRequest&) { return latest(c); }));
  r.push_back(
      read_route(c, "/v1/triage/*", [&c](HttpRequest& req) { return one(c, req.captures.at(0)); }));
  return r;
}

}  // namespace setpoint::runner

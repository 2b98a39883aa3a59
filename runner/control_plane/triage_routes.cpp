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

HttpResponse latest(RouteContext& c) {
  if (!c.reader) return json_error(404, "this engine keeps no triage reports (no state file)");
  Result<std::vector<TriageReportRow>> found = std::vector<TriageReportRow>();
  {
    std::lock_guard lock(c.store_mutex);
    found = c.reader->triage_reports(kRecent);
  }
  if (!found) return json_error(500, "cannot read the triage reports: " + found.error());
  if (found->empty())
    return json_error(404,
                      "no triage report yet: a triage policy (policies/weekly_triage.lua) writes "
                      "one on its schedule, or now with setpoint triage --since 7d");
  json recent = json::array();
  for (const auto& row : *found) recent.push_back(summary_of(row));
  json report = parse_own_json(found->front().report);
  if (!report.is_object()) report = json::object();
  report["recent"] = recent;
  return ok(dump(report));
}

HttpResponse one(RouteContext& c, const std::string& id) {
  if (!c.reader) return json_error(404, "this engine keeps no triage reports (no state file)");
  Result<std::optional<TriageReportRow>> found = std::optional<TriageReportRow>();
  {
    std::lock_guard lock(c.store_mutex);
    found = c.reader->triage_report(id);
  }
  if (!found) return json_error(500, "cannot read the triage report: " + found.error());
  if (!*found) return json_error(404, "no triage report " + utf8::printable(id, 200));
  return ok((*found)->report);
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

// The read-only resources: the engine's published views, the windows' state and the decision
// record. Once a tokens file exists each needs a viewer token.
#include <cmath>

#include "control_plane/routes.hpp"
#include "engine/engine.hpp"
#include "engine/parameter_history.hpp"
#include "setpoint/autopilot/cycle.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/windows/snapshot.hpp"

namespace setpoint::runner {
namespace {

// A time in a query: RFC 3339, or epoch seconds.
std::optional<Nanos> time_param(const std::string& text) {
  if (const auto t = parse_rfc3339(text)) return *t;
  const auto seconds = parse_double(text);
  if (!seconds || !std::isfinite(*seconds) || std::abs(*seconds) > 1e11) return std::nullopt;
  return static_cast<Nanos>(*seconds * kNanosPerSecond);
}

HttpResponse state(RouteContext& c, const HttpRequest& req) {
  const std::string text = req.query("span").value_or("1m");
  const auto span = text.size() > 64 ? std::nullopt : parse_duration(text);
  const Aggregator& aggregator = c.engine.aggregator();  // reads are safe from any thread
  if (!span || *span <= 0 || !aggregator.windows().resolution_for(*span)) {
    return json_error(400, "span: \"" + utf8::printable(text, 64) +
                               "\" is not a duration within the windows (like 10s, 1m, 1h)");
  }
  const Nanos now = c.engine.clock().wall();
  std::string body = snapshot_json(aggregator, read_all(aggregator, now, *span), now, *span);
  // The autopilot's pause beside the windows: what a person looking at the state must know.
  const auto autopilot = parse_own_json(c.engine.view("autopilot"));
  if (autopilot.is_object() && !body.empty() && body.back() == '}') {
    body.pop_back();
    body += ",\"autopilot\":" +
            dump({{"enabled", autopilot.value("enabled", true)},
                  {"paused", autopilot.value("paused", false)},
                  {"paused_until", autopilot.value("paused_until", nlohmann::json())}}) +
            "}";
  }
  return ok(body);
}

HttpResponse decisions(RouteContext& c, const HttpRequest& req) {
  if (!c.reader) return json_error(404, "this engine keeps no decisions (no state file)");
  DecisionQuery q;
  q.newest_first = true;  // like every log
  q.limit = 100;
  if (const auto since = req.query("since")) {
    const auto t = time_param(*since);
    if (!t)
      return json_error(400, "since: \"" + utf8::printable(*since, 64) +
                                 "\" is not an RFC 3339 time or epoch seconds");
    q.since = *t;
  }
  if (const auto policy = req.query("policy")) q.policy = *policy;
  if (const auto target = req.query("target")) q.target = *target;
  if (const auto verdict = req.query("verdict")) {
    q.verdict = *verdict;
    if (q.verdict != "allow" && q.verdict != "clamp" && q.verdict != "block")
      return json_error(400, "verdict must be allow, clamp or block");
  }
  if (const auto limit = req.query("limit")) {
    const auto n = limit->size() > 7 ? std::nullopt : parse_integer(*limit);
    if (!n || *n < 1 || *n > 100'000)
      return json_error(400, "limit must be a whole number from 1 to 100000");
    q.limit = static_cast<std::size_t>(*n);
  }
  Result<std::vector<StoredDecision>> found = std::vector<StoredDecision>();
  {
    std::lock_guard lock(c.store_mutex);
    found = c.reader->decisions(q);
  }
  if (!found) return json_error(500, "cannot read the decisions: " + found.error());
  std::string body = "[";
  for (std::size_t i = 0; i < found->size(); ++i) {
    const StoredDecision& d = (*found)[i];
    if (i > 0) body += ",";
    // The store is outside input: a damaged row is said, not pasted into the answer.
    if (nlohmann::json::accept(d.json))
      body += d.json;
    else
      body += dump(nlohmann::json{{"id", d.id}, {"error", "this record is not JSON: damaged"}});
  }
  return ok(body + "]");
}

// A parameter's versions, newest first.
HttpResponse history(RouteContext& c, const HttpRequest& req) {
  const std::string& parameter = req.captures.at(0);
  // Known from the published view: the guard and the config are the engine thread's.
  bool known = false;
  for (const auto& p : parse_own_json(c.engine.view("params")))
    known = known || (p.is_object() && p.value("name", "") == parameter);
  if (!known)
    return json_error(404, "no parameter " + utf8::printable(parameter, 200) + " in config");
  if (!c.reader) return json_error(404, "this engine keeps no decisions (no state file)");
  Result<std::vector<ParameterVersion>> found = std::vector<ParameterVersion>();
  {
    std::lock_guard lock(c.store_mutex);
    found = parameter_versions(*c.reader, parameter);
  }
  if (!found) return json_error(500, "cannot read the history: " + found.error());
  return ok(dump({{"parameter", parameter}, {"versions", versions_json(*found)}}));
}

// The recorded cycles, newest first: of a policy or a status when asked.
HttpResponse cycles(RouteContext& c, const HttpRequest& req) {
  if (!c.reader) return json_error(404, "this engine keeps no cycles (no state file)");
  std::size_t limit = 50;
  if (const auto text = req.query("limit")) {
    const auto n = text->size() > 7 ? std::nullopt : parse_integer(*text);
    if (!n || *n < 1 || *n > 10'000)
      return json_error(400, "limit must be a whole number from 1 to 10000");
    limit = static_cast<std::size_t>(*n);
  }
  const std::string status = req.query("status").value_or("");
  if (!status.empty() && !autopilot::parse_status(status))
    return json_error(400,
                      "status must be running, completed, failed, timed_out, rolled_back or "
                      "skipped");
  Result<std::vector<CycleRow>> found = std::vector<CycleRow>();
  std::vector<std::vector<ImpactRow>> impacts;  // of each cycle found (indexed by cycle)
  {
    std::lock_guard lock(c.store_mutex);
    found = c.reader->cycles(req.query("policy").value_or(""), status, limit);
    for (std::size_t i = 0; found && i < found->size(); ++i) {
      auto of = c.reader->impacts((*found)[i].id);
      if (!of) return json_error(500, "cannot read the impact checks: " + of.error());
      impacts.push_back(std::move(of).value());
    }
  }
  if (!found) return json_error(500, "cannot read the cycles: " + found.error());
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t n = 0; n < found->size(); ++n) {
    const CycleRow& row = (*found)[n];
    nlohmann::json measured = nlohmann::json::array();
    for (const ImpactRow& i : impacts[n]) {
      const auto number = [](double x) {
        return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json();
      };
      measured.push_back({{"decision", i.decision},
                          {"target", i.target},
                          {"series", i.series},
                          {"stat", i.stat},
                          {"before", number(i.before)},
                          {"after", number(i.after)},
                          {"predicted", i.predicted},
                          {"actual", number(i.actual)},
                          {"error", number(i.error)},
                          {"worse", i.worse},
                          {"checked_at", format_rfc3339(i.checked_at)},
                          {"detail", i.detail}});
    }
    out.push_back(
        {{"id", row.id},
         {"policy", row.policy},
         {"started_at", format_rfc3339(row.started_at)},
         {"completed_at",
          row.completed_at ? nlohmann::json(format_rfc3339(row.completed_at)) : nlohmann::json()},
         {"status", row.status},
         {"error", row.error},
         {"analysis", parse_own_json(row.analysis)},
         {"proposed_changes", parse_own_json(row.proposed_changes)},
         {"outcome", parse_own_json(row.outcome)},
         {"impacts", measured}});
  }
  return ok(dump(out));
}

// Where a policy's shadow versions would have decided otherwise, newest first: of one shadow
// version when asked (?version=HASH).
HttpResponse divergences(RouteContext& c, const HttpRequest& req) {
  const std::string& policy = req.captures.at(0);
  bool known = false;
  for (const auto& p : parse_own_json(c.engine.view("policies")))
    known = known || (p.is_object() && p.contains("name") && p["name"] == policy);
  if (!known) return json_error(404, "no policy is named " + utf8::printable(policy, 200));
  if (!c.reader) return json_error(404, "this engine keeps no divergences (no state file)");
  std::size_t limit = 100;
  if (const auto text = req.query("limit")) {
    const auto n = text->size() > 7 ? std::nullopt : parse_integer(*text);
    if (!n || *n < 1 || *n > 1000)
      return json_error(400, "limit must be a whole number from 1 to 1000");
    limit = static_cast<std::size_t>(*n);
  }
  const std::string version = req.query("version").value_or("");
  if (version.size() > 64 || !utf8::valid(version))
    return json_error(400, "version is a policy version's hash, as /v1/policies shows it");
  Result<std::vector<ShadowDivergenceRow>> found = std::vector<ShadowDivergenceRow>();
  {
    std::lock_guard lock(c.store_mutex);
    found = c.reader->divergences(policy, version, limit);
  }
  if (!found) return json_error(500, "cannot read the divergences: " + found.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : *found) {
    out.push_back({{"id", d.id},
                   {"at", format_rfc3339(d.at)},
                   {"live_version", d.live_version},
                   {"shadow_version", d.shadow_version},
                   {"target", d.target},
                   {"live", d.live},
                   {"shadow", d.shadow},
                   {"at_bound", d.at_bound},
                   {"follows", d.follows}});
  }
  return ok(dump(out));
}

HttpRoute read(RouteContext& c, const char* path,
               std::function<HttpResponse(HttpRequest&)> answer) {
  return read_route(c, path, std::move(answer));
}

HttpRoute view(RouteContext& c, const char* path, const char* name) {
  return read(c, path, [&c, name](HttpRequest&) { return ok(c.engine.view(name)); });
}

}  // namespace

HttpRoute read_route(RouteContext& c, const char* path,
                     std::function<HttpResponse(HttpRequest&)> answer) {
  return {"GET",
          path,
          [&c](HttpRequest& req) { return c.access.may_read(req.header("Authorization")); },
          std::move(answer),
          {}};
}

std::vector<HttpRoute> read_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back(view(c, "/v1/policies", "policies"));
  r.push_back(view(c, "/v1/params", "params"));
  r.push_back(view(c, "/v1/proposals", "proposals"));
  r.push_back(view(c, "/v1/pauses", "pauses"));
  r.push_back(view(c, "/v1/autopilot", "autopilot"));
  r.push_back(view(c, "/v1/rollouts", "rollouts"));
  r.push_back(read(c, "/v1/params/*/history", [&c](HttpRequest& req) { return history(c, req); }));
  r.push_back(read(c, "/v1/policies/*/divergences",
                   [&c](HttpRequest& req) { return divergences(c, req); }));
  r.push_back(read(c, "/v1/autopilot/cycles", [&c](HttpRequest& req) { return cycles(c, req); }));
  r.push_back(read(c, "/v1/state", [&c](HttpRequest& req) { return state(c, req); }));
  r.push_back(read(c, "/v1/decisions", [&c](HttpRequest& req) { return decisions(c, req); }));
  return r;
}

}  // namespace setpoint::runner

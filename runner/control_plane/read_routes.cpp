// The read-only resources: the engine's published views, the windows' state and the decision
// record. Once a tokens file exists each needs a viewer token.
#include <cmath>

#include "control_plane/routes.hpp"
#include "engine/engine.hpp"
#include "setpoint/base/duration.hpp"
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
  return ok(snapshot_json(aggregator, read_all(aggregator, now, *span), now, *span));
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
  for (std::size_t i = 0; i < found->size(); ++i) body += (i ? "," : "") + (*found)[i].json;
  return ok(body + "]");
}

HttpRoute read(RouteContext& c, const char* path,
               std::function<HttpResponse(HttpRequest&)> answer) {
  return {"GET",
          path,
          [&c](HttpRequest& req) { return c.access.may_read(req.header("Authorization")); },
          std::move(answer),
          {}};
}

HttpRoute view(RouteContext& c, const char* path, const char* name) {
  return read(c, path, [&c, name](HttpRequest&) { return ok(c.engine.view(name)); });
}

}  // namespace

std::vector<HttpRoute> read_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back(view(c, "/v1/policies", "policies"));
  r.push_back(view(c, "/v1/params", "params"));
  r.push_back(view(c, "/v1/proposals", "proposals"));
  r.push_back(view(c, "/v1/pauses", "pauses"));
  r.push_back(read(c, "/v1/state", [&c](HttpRequest& req) { return state(c, req); }));
  r.push_back(read(c, "/v1/decisions", [&c](HttpRequest& req) { return decisions(c, req); }));
  return r;
}

}  // namespace setpoint::runner

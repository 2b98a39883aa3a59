// The dry-run review: GET /v1/review?since=14d, what observe and advise mode would have done
// over the period, read from the store's own connection (SQLite sums the decisions). Marking a
// decision as a false positive is a mutation (POST /v1/decisions/{id}/mark).
#include "control_plane/routes.hpp"
#include "engine/dry_run_review.hpp"
#include "engine/engine.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr Nanos kLongest = 400LL * 86400 * kNanosPerSecond;

// Each loaded policy's mode now, from the published view.
std::map<std::string, std::string> modes_now(const Engine& engine) {
  std::map<std::string, std::string> modes;
  const json view = parse_own_json(engine.view("policies"));
  if (!view.is_array()) return modes;
  for (const auto& p : view) {
    if (p.is_object() && p.contains("name") && p["name"].is_string() && p.contains("mode") &&
        p["mode"].is_string())
      modes[p["name"].get<std::string>()] = p["mode"].get<std::string>();
  }
  return modes;
}

HttpResponse review(RouteContext& c, const HttpRequest& req) {
  const std::string text = req.query("since").value_or("14d");
  const auto span = text.size() > 32 ? std::nullopt : parse_duration(text);
  if (!span || *span <= 0 || *span > kLongest)
    return json_error(400, "since: \"" + utf8::printable(text, 32) +
                               "\" is not a duration from 1s to 400d, like 14d");
  if (!c.reader) return json_error(404, "this engine keeps no decisions (no state file)");
  const Nanos until = c.engine.clock().wall();
  Result<std::vector<ReviewGroup>> groups = std::vector<ReviewGroup>();
  {
    std::lock_guard lock(c.store_mutex);
    groups = c.reader->review_groups(until - *span, until + 1);
  }
  if (!groups) return json_error(500, "cannot read the decisions: " + groups.error());
  return ok(dump(dry_run_review(*groups, until - *span, until, modes_now(c.engine))));
}

}  // namespace

std::vector<HttpRoute> review_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back(read_route(c, "/v1/review", [&c](HttpRequest& req) { return review(c, req); }));
  return r;
}

}  // namespace setpoint::runner

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
  // A dry run observes everything, whatever config says.
  const json overview = parse_own_json(engine.view("overview"));
  const bool dry = overview.is_object() && overview.value("dry_run", false);
  for (const auto& p : view) {
    if (p.is_object() && p.contains("name") && p["name"].is_string() && p.contains("mode") &&
        p["mode"].is_string())
      modes[p["name"].get<std::string>()] =
          dry ? "observe (dry run)" : p["mode"].get<std::string>();
  }
  return modes;
}

HttpResponse review(RouteContext& c, const HttpRequest& req) {
  const std::string text = req.query("since").value_or("14d");
  const auto span = text.size() > 32 ? std::nullopt : parse_duration(text);
  if (!span || *span < kNanosPerSecond || *span > kLongest)
    return json_error(400, "since: \"" + utf8::printable(text, 32) +
                               "\" is not a duration from 1s to 400d, like 14d");
  if (!c.reader) return json_error(404, "this engine keeps no decisions (no state file)");
  if (c.reviewing.exchange(true)) {
    HttpResponse busy = json_error(429, "a review is running; ask again when it has answered");
    busy.headers.emplace_back("Retry-After", "5");
    return busy;
  }
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{c.reviewing};
  auto store = AuditStore::open(c.store_path);
  if (!store) return json_error(500, "cannot open the store: " + store.error());
  const Nanos until = c.engine.clock().wall();
  const Nanos since = until - *span;
  const auto groups = (*store)->review_groups(since, until + 1);
  if (!groups) return json_error(500, "cannot read the decisions: " + groups.error());
  const auto marks = (*store)->decision_marks(since, until + 1, 1000);
  if (!marks) return json_error(500, "cannot read the marks: " + marks.error());
  const auto unreadable = (*store)->unreadable_decisions(since, until + 1);
  if (!unreadable) return json_error(500, "cannot read the decisions: " + unreadable.error());
  return ok(dump(dry_run_review(*groups, *marks, *unreadable, since, until, modes_now(c.engine))));
}

}  // namespace

std::vector<HttpRoute> review_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back(read_route(c, "/v1/review", [&c](HttpRequest& req) { return review(c, req); }));
  return r;
}

}  // namespace setpoint::runner

// The dashboard: its page at / and its files at /assets/…, all from the binary (nothing is
// fetched from elsewhere), and /v1/overview, what its first page shows. The page is open — it
// holds no data; everything it shows comes from the API with the token typed into it — and is
// served with a policy that lets it run only its own scripts and talk only to this origin, so
// nothing a policy writes into a record can run as script in an operator's browser.
#include "control_plane/routes.hpp"
#include "dashboard/dashboard_assets.hpp"
#include "engine/engine.hpp"
#include "setpoint/base/json_document.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

void harden(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; "
                         "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                         "form-action 'none'; frame-ancestors 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-cache");
}

HttpResponse asset(const std::string& path) {
  for (const auto& a : dashboard::assets()) {
    if (a.path != path) continue;
    HttpResponse r;
    r.body = std::string(a.body);
    r.content_type = std::string(a.content_type);
    harden(r);
    return r;
  }
  return json_error(404, "no such file in the dashboard");
}

// The published overview, with the engine's health and the last hour's decisions by verdict.
HttpResponse overview(RouteContext& c) {
  json doc = parse_own_json(c.engine.view("overview"));
  if (!doc.is_object()) doc = json::object();
  doc["healthy"] = c.engine.since_last_pass() < 5 * kNanosPerSecond;
  json counts = json::object();
  if (c.reader) {
    Result<std::vector<std::pair<std::string, std::int64_t>>> found =
        std::vector<std::pair<std::string, std::int64_t>>();
    {
      std::lock_guard lock(c.store_mutex);
      found = c.reader->count_decisions(c.engine.clock().wall() - 3600 * kNanosPerSecond);
    }
    if (!found) return json_error(500, "cannot count the decisions: " + found.error());
    for (const auto& [verdict, n] : *found) counts[verdict] = n;
  }
  doc["decisions_last_hour"] = counts;
  return ok(dump(doc));
}

// What the page needs before it shows anything: whether a token is needed, and whose the
// presented one is. Always 200, so a page without a token learns it quietly.
HttpResponse session(RouteContext& c, const HttpRequest& req) {
  const auto token = c.access.identify(req.header("Authorization"));
  return ok(
      dump(json{{"token_required", !c.access.open()},
                {"accepted", c.access.open() || (token && allows(token->role, Role::kViewer))},
                {"name", token ? json(token->name) : json()},
                {"role", token ? json(role_name(token->role)) : json()}}));
}

HttpRoute page(const char* pattern, std::function<HttpResponse(HttpRequest&)> answer) {
  return {"GET", pattern, {}, std::move(answer), {}};
}

}  // namespace

std::vector<HttpRoute> dashboard_routes(RouteContext&) {
  std::vector<HttpRoute> r;
  r.push_back(page("/", [](HttpRequest&) { return asset("/"); }));
  r.push_back(page("/assets/*", [](HttpRequest& req) { return asset(req.path); }));
  r.push_back(page("/assets/pages/*", [](HttpRequest& req) { return asset(req.path); }));
  return r;
}

// The API the page reads first is part of the API: a status page or a script may use it with
// the dashboard off.
std::vector<HttpRoute> overview_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back(read_route(c, "/v1/overview", [&c](HttpRequest&) { return overview(c); }));
  r.push_back(page("/v1/session", [&c](HttpRequest& req) { return session(c, req); }));
  return r;
}

}  // namespace setpoint::runner

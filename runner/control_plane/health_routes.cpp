// Health, metrics and the end users' status feed take no token and touch nothing the engine owns:
// they are answered on the connection's own thread from what the engine last published.
#include "control_plane/routes.hpp"
#include "engine/engine.hpp"
#include "engine/metrics.hpp"
#include "engine/telemetry_intake.hpp"
#include "setpoint/base/duration.hpp"

namespace setpoint::runner {
namespace {

// The engine thread passes every few milliseconds; one that has not for this long is stuck
// (a policy cannot hold it: its deadline ends it), and health says so.
constexpr Nanos kUnreadyAfter = 5 * kNanosPerSecond;
constexpr Nanos kStalledAfter = 30 * kNanosPerSecond;

HttpResponse health(const Engine& engine, Nanos limit) {
  const Nanos since = engine.since_last_pass();
  if (since <= limit) return ok(R"({"status":"ok"})");
  return json_error(503, "the engine thread has not finished a pass for " + human_duration(since));
}

HttpResponse metrics(RouteContext& c) {
  std::string text = c.engine.metrics_text() + c.intake.metrics_text();
  metric_family(text, "setpoint_control_plane_connections_cut_total", "counter",
                "Connections cut for sending a request too slowly (408 at the header deadline, or "
                "past request_timeout).");
  metric_sample(text, "setpoint_control_plane_connections_cut_total", "",
                static_cast<double>(c.cut_connections()));
  HttpResponse m = ok(std::move(text));
  m.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return m;
}

}  // namespace

std::vector<HttpRoute> health_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back(
      {"GET", "/healthz", {}, [&c](HttpRequest&) { return health(c.engine, kStalledAfter); }, {}});
  r.push_back({"GET",
               "/readyz",
               {},
               [&c](HttpRequest&) {
                 if (!c.ready) return json_error(503, "starting");
                 HttpResponse h = health(c.engine, kUnreadyAfter);
                 return h.status == 200 ? ok(c.engine.view("health")) : h;
               },
               {}});
  r.push_back({"GET", "/metrics", {}, [&c](HttpRequest&) { return metrics(c); }, {}});
  // What end users are told: only what config declares as user-facing, so it is open.
  r.push_back(
      {"GET", "/v1/status", {}, [&c](HttpRequest&) { return ok(c.engine.view("status")); }, {}});
  return r;
}

}  // namespace setpoint::runner

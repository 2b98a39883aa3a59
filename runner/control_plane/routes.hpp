#pragma once
// The control plane's routes, one file per resource: health and metrics (health_routes.cpp),
// the read-only views and records (read_routes.cpp), the triage reports (triage_routes.cpp), the
// dry-run review (review_routes.cpp), telemetry (event_routes.cpp) and the operator's mutations
// (mutation_routes.cpp). Each takes what it serves from RouteContext.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "control_plane/access.hpp"
#include "control_plane/http_server.hpp"
#include "setpoint/audit/audit_store.hpp"

namespace setpoint::runner {

class Engine;
class TelemetryIntake;

// What the routes share; it outlives the server that calls them.
struct RouteContext {
  Engine& engine;
  TelemetryIntake& intake;
  Access access;
  std::atomic<bool> ready{false};
  std::function<std::uint64_t()> cut_connections;  // the server's count, once it exists
  std::mutex store_mutex;                          // guards `reader`
  std::unique_ptr<AuditStore> reader;              // a connection of its own, for reads
  std::string store_path;                          // engine.state_path, as started
  // A dry-run review reads every decision of its period (seconds for millions): one at a
  // time, on a connection of its own, so it never holds up the other reads.
  std::atomic<bool> reviewing{false};
  Nanos stream_for = 25 * kNanosPerSecond;  // how long a stream answers before it ends
  // Streams open now, and how many may be: each holds a connection for stream_for, so they
  // get an eighth of max_connections and never crowd out /healthz or a mutation.
  std::atomic<int> streams{0};
  int max_streams = 32;

  RouteContext(Engine& e, TelemetryIntake& i, Tokens tokens)
      : engine(e), intake(i), access(std::move(tokens)) {}
};

// A 200 with a JSON body.
inline HttpResponse ok(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

std::vector<HttpRoute> health_routes(RouteContext& c);           // /healthz /readyz /metrics
std::vector<HttpRoute> read_routes(RouteContext& c);             // /v1/state, views, /v1/decisions
std::vector<HttpRoute> event_routes(RouteContext& c);            // POST /v1/events
std::vector<HttpRoute> mutation_routes(RouteContext& c);         // pause, override, approve, ...
std::vector<HttpRoute> triage_routes(RouteContext& c);           // /v1/triage, /v1/triage/{id}
std::vector<HttpRoute> review_routes(RouteContext& c);           // /v1/review
std::vector<HttpRoute> decision_stream_routes(RouteContext& c);  // /v1/decisions/stream (SSE)
std::vector<HttpRoute> dashboard_routes(RouteContext& c);        // /, /assets/*
std::vector<HttpRoute> overview_routes(RouteContext& c);         // /v1/overview, /v1/session
// A GET that needs a viewer token once tokens exist.
HttpRoute read_route(RouteContext& c, const char* path,
                     std::function<HttpResponse(HttpRequest&)> answer);

}  // namespace setpoint::runner

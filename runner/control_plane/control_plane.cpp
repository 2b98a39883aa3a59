#include "control_plane/control_plane.hpp"

#include "control_plane/http_server.hpp"
#include "control_plane/routes.hpp"
#include "engine/engine.hpp"

namespace setpoint::runner {

struct ControlPlane::Impl {
  ControlPlaneConfig config;
  RouteContext context;
  std::unique_ptr<HttpServer> server;

  Impl(Engine& e, TelemetryIntake& i, Tokens t, ControlPlaneConfig c)
      : config(std::move(c)), context(e, i, std::move(t)) {}

  std::vector<HttpRoute> routes() {
    std::vector<HttpRoute> all;
    for (auto* resource :
         {health_routes, read_routes, triage_routes, review_routes, decision_stream_routes,
          event_routes, mutation_routes, overview_routes}) {
      for (auto& route : resource(context)) all.push_back(std::move(route));
    }
    if (config.dashboard) {
      for (auto& route : dashboard_routes(context)) all.push_back(std::move(route));
    }
    return all;
  }
};

ControlPlane::ControlPlane(Engine& engine, TelemetryIntake& intake, Tokens tokens,
                           ControlPlaneConfig config)
    : impl_(std::make_unique<Impl>(engine, intake, std::move(tokens), std::move(config))) {}

ControlPlane::~ControlPlane() { stop(); }

Result<void> ControlPlane::start() {
  Impl& i = *impl_;
  Engine& engine = i.context.engine;
  if (engine.store() != nullptr) {
    i.context.store_path = engine.config().engine.state_path;
    auto opened = AuditStore::open(i.context.store_path);
    if (opened) i.context.reader = std::move(*opened);
  }
  HttpServerOptions options;
  options.host = i.config.host;
  options.port = i.config.port;
  options.max_body_bytes = i.config.max_body_bytes;
  options.max_connections = i.config.max_connections;
  options.header_timeout = i.config.header_timeout;
  options.request_timeout = i.config.request_timeout;
  // A stream ends itself well inside the request deadline, which would cut it.
  i.context.stream_for = std::min<Nanos>(25 * kNanosPerSecond, i.config.request_timeout / 2);
  i.context.max_streams = std::max(1, static_cast<int>(i.config.max_connections / 8));
  i.server = std::make_unique<HttpServer>(options, i.routes());
  i.context.cut_connections = [server = i.server.get()] { return server->cut_connections(); };
  return i.server->start();
}

void ControlPlane::set_ready(bool ready) { impl_->context.ready = ready; }
int ControlPlane::port() const { return impl_->server ? impl_->server->port() : 0; }
std::uint64_t ControlPlane::cut_connections() const {
  return impl_->server ? impl_->server->cut_connections() : 0;
}

void ControlPlane::stop() {
  if (!impl_) return;
  impl_->context.engine.feed().close();  // open streams end now, not at their deadline
  if (impl_->server) impl_->server->stop();
}

}  // namespace setpoint::runner

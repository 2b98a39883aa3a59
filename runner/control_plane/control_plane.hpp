#pragma once
// The control plane: the HTTP API beside the engine (transport: http_server.hpp).
//
//   open:      GET /healthz  /readyz  /metrics
//   viewer:    GET /v1/state?span=1m  /v1/policies  /v1/params  /v1/proposals  /v1/pauses
//              GET /v1/decisions?since=&policy=&target=&verdict=&limit=  (newest first)
//   ingest:    POST /v1/events               (NDJSON body; operators and admins may too)
//   operator:  POST /v1/pause  /v1/resume  /v1/proposals/{id}/approve  /v1/proposals/{id}/reject
//              POST /v1/reload
//   admin:     POST /v1/override  /v1/params/{name}/rollback  /v1/params/{name}/release
//
// Reads come from the views the engine publishes and from a read-only connection to the
// store; mutations are posted to the engine thread, which applies them between evaluations
// and records each one with the token's name (operator_actions.hpp). A request can wait for
// the engine, never the other way round. Every token is checked from the headers, before a
// byte of the body is read. Without a tokens file, reads are open and every mutation is
// refused.
#include <memory>
#include <string>

#include "config/config.hpp"
#include "config/tokens.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint::runner {

class Engine;
class TelemetryIntake;

class ControlPlane {
 public:
  ControlPlane(Engine& engine, TelemetryIntake& intake, Tokens tokens, ControlPlaneConfig config);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Binds the listen address and serves on background threads; or why not.
  Result<void> start();
  void set_ready(bool ready);
  int port() const;                       // the bound port (config may say 0: any free port)
  std::uint64_t cut_connections() const;  // cut by a deadline (slow or half-open clients)
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace setpoint::runner

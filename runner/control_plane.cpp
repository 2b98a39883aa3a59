#include "control_plane.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine.hpp"
#include "setpoint/duration.hpp"
#include "setpoint/json_document.hpp"
#include "setpoint/snapshot.hpp"
#include "setpoint/timestamp.hpp"
#include "telemetry_intake.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// A request the engine cannot answer within this long gets a 503; the engine never waits.
constexpr auto kEngineWait = std::chrono::seconds(5);

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, dump(json{{"error", message}}));
}

// A request that a handler refuses, with its status and message.
struct Refusal {
  int status;
  std::string message;
};

const json& field(const json& body, const char* name) {
  if (!body.contains(name)) throw Refusal{400, std::string("the body needs \"") + name + "\""};
  return body[name];
}

std::string text_field(const json& body, const char* name) {
  const json& v = field(body, name);
  if (!v.is_string()) throw Refusal{400, std::string("\"") + name + "\" must be a string"};
  return v.get<std::string>();
}

Nanos duration_field(const json& body, const char* name) {
  const std::string text = text_field(body, name);
  const auto d = parse_duration(text);
  if (!d || *d <= 0) throw Refusal{400, std::string("\"") + name + "\": \"" + text + "\" is not a duration like 10m or 1h"};
  return *d;
}

json parse_body(const httplib::Request& req) {
  if (req.body.empty()) return json::object();
  try {
    json body = json::parse(req.body);
    if (!body.is_object()) throw Refusal{400, "the body must be a JSON object"};
    return body;
  } catch (const json::parse_error& e) {
    throw Refusal{400, std::string("the body is not JSON: ") + e.what()};
  }
}

Pause::Scope scope_of(const std::string& scope) {
  if (scope == "global") return Pause::Scope::kGlobal;
  if (scope == "policy") return Pause::Scope::kPolicy;
  if (scope == "parameter") return Pause::Scope::kTarget;
  throw Refusal{400, "\"scope\" must be global, policy or parameter"};
}

Direction direction_of(const json& body) {
  if (!body.contains("direction")) return Direction::kBoth;
  const std::string d = text_field(body, "direction");
  if (d == "up") return Direction::kUp;
  if (d == "down") return Direction::kDown;
  if (d == "both") return Direction::kBoth;
  throw Refusal{400, "\"direction\" must be up, down or both"};
}

// A time in a query: RFC 3339, or epoch seconds.
Nanos time_param(const std::string& text) {
  if (const auto t = parse_rfc3339(text)) return *t;
  try {
    std::size_t used = 0;
    const double seconds = std::stod(text, &used);
    if (used == text.size()) return static_cast<Nanos>(seconds * kNanosPerSecond);
  } catch (const std::exception&) {
  }
  throw Refusal{400, "since: \"" + text + "\" is not an RFC 3339 time or epoch seconds"};
}

std::int64_t id_of(const std::string& digits) {
  if (digits.size() > 18) throw Refusal{404, "no pending proposal " + digits};
  return std::stoll(digits);
}

}  // namespace

struct ControlPlane::Impl {
  Engine& engine;
  TelemetryIntake& intake;
  Tokens tokens;
  ControlPlaneConfig config;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<bool> ready{false};
  std::mutex store_mutex;
  std::unique_ptr<AuditStore> reader;  // a connection of its own, for reads

  Impl(Engine& e, TelemetryIntake& i, Tokens t, ControlPlaneConfig c)
      : engine(e), intake(i), tokens(std::move(t)), config(std::move(c)) {}

  // The token's entry when it allows `needed`; else the 401 or 403 is sent and none returned.
  std::optional<Token> authorize(const httplib::Request& req, httplib::Response& res, Role needed) {
    const std::string header = req.get_header_value("Authorization");
    if (header.rfind("Bearer ", 0) != 0 || header.size() <= 7) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "this needs a bearer token (Authorization: Bearer <token>)");
      return std::nullopt;
    }
    const auto token = tokens.find(header.substr(7));
    if (!token) {
      res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      send_error(res, 401, "the token is not known");
      return std::nullopt;
    }
    if (!allows(token->role, needed)) {
      send_error(res, 403, std::string("the token \"") + token->name + "\" is a " + role_name(token->role) + "; this needs " +
                               role_name(needed));
      return std::nullopt;
    }
    return token;
  }

  // Reads need a viewer token once tokens exist; without a tokens file they are open.
  bool may_read(const httplib::Request& req, httplib::Response& res) {
    return tokens.empty() || authorize(req, res, Role::kViewer).has_value();
  }

  void view(const char* path, const char* name) {
    server.Get(path, [this, name](const httplib::Request& req, httplib::Response& res) {
      if (!may_read(req, res)) return;
      send_json(res, 200, engine.view(name));
    });
  }

  // The path's captures, copied: the engine may run the work after the request is gone.
  using Captures = std::vector<std::string>;

  // A mutation: authorized, then run on the engine thread, which records it with the token's
  // name and the answer it got.
  void mutation(const std::string& pattern, Role needed, std::function<json(Engine&, const Captures&, const json&, const std::string&)> work) {
    server.Post(pattern, [this, needed, work](const httplib::Request& req, httplib::Response& res) {
      const auto token = authorize(req, res, needed);
      if (!token) return;
      json body;
      try {
        body = parse_body(req);
      } catch (const Refusal& r) {
        return send_error(res, r.status, r.message);
      }
      const std::string who = "operator:" + token->name;
      const std::string action = "POST " + req.path;
      Captures captures;
      for (std::size_t m = 1; m < req.matches.size(); ++m) captures.push_back(req.matches[m]);
      auto reply = engine.post([work, captures, body, who, action](Engine& e) {
        Reply reply;
        try {
          reply.body = dump(work(e, captures, body, who));
        } catch (const Refusal& r) {
          reply = {r.status, dump(json{{"error", r.message}})};
        } catch (const std::exception& ex) {
          reply = {500, dump(json{{"error", ex.what()}})};
        }
        if (e.store() != nullptr) e.store()->record_operator_action({e.clock().wall(), who, action, dump(body), reply.status});
        spdlog::info("{} by {}: {} {}", action, who, reply.status, reply.body);
        return reply;
      });
      if (reply.wait_for(kEngineWait) != std::future_status::ready) {
        return send_error(res, 503, "the engine did not answer within 5 s; the request may still be applied");
      }
      const Reply r = reply.get();
      send_json(res, r.status, r.body);
    });
  }

  void routes();
};

void ControlPlane::Impl::routes() {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { send_json(res, 200, R"({"status":"ok"})"); });
  server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    if (ready) send_json(res, 200, engine.view("health"));
    else send_error(res, 503, "starting");
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(engine.metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
  });
  view("/v1/policies", "policies");
  view("/v1/params", "params");
  view("/v1/proposals", "proposals");
  view("/v1/pauses", "pauses");

  server.Get("/v1/state", [this](const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req, res)) return;
    const std::string text = req.has_param("span") ? req.get_param_value("span") : "1m";
    const auto span = parse_duration(text);
    const Aggregator& aggregator = engine.aggregator();  // reads are safe from any thread
    if (!span || *span <= 0 || !aggregator.windows().resolution_for(*span)) {
      return send_error(res, 400, "span: \"" + text + "\" is not a duration within the windows (like 10s, 1m, 1h)");
    }
    const Nanos now = engine.clock().wall();
    send_json(res, 200, snapshot_json(aggregator, read_all(aggregator, now, *span), now, *span));
  });

  server.Get("/v1/decisions", [this](const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req, res)) return;
    if (!reader) return send_error(res, 404, "this engine keeps no decisions (no state file)");
    DecisionQuery q;
    try {
      if (req.has_param("since")) q.since = time_param(req.get_param_value("since"));
      if (req.has_param("policy")) q.policy = req.get_param_value("policy");
      if (req.has_param("verdict")) {
        q.verdict = req.get_param_value("verdict");
        if (q.verdict != "allow" && q.verdict != "clamp" && q.verdict != "block") throw Refusal{400, "verdict must be allow, clamp or block"};
      }
      if (req.has_param("limit")) {
        const std::string limit = req.get_param_value("limit");
        if (limit.empty() || limit.size() > 6 || limit.find_first_not_of("0123456789") != std::string::npos || std::stoul(limit) == 0) {
          throw Refusal{400, "limit must be a whole number from 1 to 999999"};
        }
        q.limit = std::stoul(limit);
      }
    } catch (const Refusal& r) {
      return send_error(res, r.status, r.message);
    }
    std::vector<StoredDecision> found;
    {
      std::lock_guard lock(store_mutex);
      found = reader->decisions(q);
    }
    std::string body = "[";
    for (std::size_t i = 0; i < found.size(); ++i) body += (i ? "," : "") + found[i].json;
    send_json(res, 200, body + "]");
  });

  server.Post("/v1/events", [this](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(req, res, Role::kIngest)) return;
    const IngestCounts counts = intake.ingest_body(req.body, "http");
    json rejected = json::object();
    for (std::size_t i = 0; i < kRejectionCount; ++i) {
      if (counts.rejected[i] > 0) rejected[std::string(name(static_cast<Rejection>(i)))] = counts.rejected[i];
    }
    send_json(res, 200, dump(json{{"accepted", counts.accepted}, {"rejected", rejected}, {"rejected_total", counts.rejected_total()}}));
  });

  mutation("/v1/pause", Role::kOperator, [](Engine& e, const Captures&, const json& body, const std::string&) {
    Pause pause;
    pause.scope = scope_of(body.contains("scope") ? text_field(body, "scope") : "global");
    if (pause.scope != Pause::Scope::kGlobal) pause.name = text_field(body, "name");
    pause.direction = direction_of(body);
    if (pause.direction != Direction::kBoth && pause.scope != Pause::Scope::kTarget) throw Refusal{400, "a direction applies to a parameter only"};
    if (pause.scope == Pause::Scope::kTarget && !e.guard().parameter(pause.name) && !e.guard().action(pause.name)) {
      throw Refusal{404, "no parameter or action " + pause.name};
    }
    if (body.contains("for")) pause.until = e.clock().wall() + duration_field(body, "for");
    e.guard().pause(pause);
    return json{{"paused", true}, {"until", pause.until ? json(format_rfc3339(pause.until)) : json(nullptr)}};
  });
  mutation("/v1/resume", Role::kOperator, [](Engine& e, const Captures&, const json& body, const std::string&) {
    const Pause::Scope scope = scope_of(body.contains("scope") ? text_field(body, "scope") : "global");
    const std::string name = scope == Pause::Scope::kGlobal ? std::string() : text_field(body, "name");
    if (!e.guard().resume(scope, name, direction_of(body))) throw Refusal{404, "no such pause"};
    return json{{"resumed", true}};
  });
  mutation("/v1/override", Role::kAdmin, [](Engine& e, const Captures&, const json& body, const std::string& who) {
    const std::string parameter = text_field(body, "parameter");
    const ParameterSpec* spec = e.guard().parameter(parameter);
    if (spec == nullptr) throw Refusal{404, "no parameter " + parameter};
    if (!field(body, "value").is_number()) throw Refusal{400, "\"value\" must be a number"};
    const double value = body["value"].get<double>();
    if (spec->numeric() && (value < spec->min || value > spec->max)) {
      throw Refusal{409, "value " + dump(body["value"]) + " is outside " + parameter + "'s bounds [" + dump(json(spec->min)) + ", " +
                             dump(json(spec->max)) + "]"};
    }
    const Nanos now = e.clock().wall();
    const Nanos until = now + duration_field(body, "for");
    const std::string why = body.contains("reason") ? text_field(body, "reason") : "operator override";
    const auto d = e.pipeline().roll_back(parameter, value, who, "override", why, now);
    if (!d || d->outcome == "blocked" || d->outcome == "failed") {
      throw Refusal{409, d ? d->detail : "cannot override " + parameter};
    }
    e.guard().set_override(parameter, value, until);
    return json{{"parameter", parameter}, {"value", value}, {"until", format_rfc3339(until)}, {"decision", parse_own_json(decision_json(*d))}};
  });
  mutation(R"(/v1/proposals/(\d+)/approve)", Role::kOperator, [](Engine& e, const Captures& m, const json&, const std::string& who) {
    const auto d = e.pipeline().approve(id_of(m[0]), who, e.clock().wall());
    if (!d) throw Refusal{404, "no pending proposal " + std::string(m[0])};
    return parse_own_json(decision_json(*d));
  });
  mutation(R"(/v1/proposals/(\d+)/reject)", Role::kOperator, [](Engine& e, const Captures& m, const json&, const std::string& who) {
    if (!e.pipeline().reject(id_of(m[0]), who, e.clock().wall())) {
      throw Refusal{404, "no pending proposal " + std::string(m[0])};
    }
    return json{{"rejected", id_of(m[0])}};
  });
  mutation(R"(/v1/params/([^/]+)/rollback)", Role::kAdmin, [](Engine& e, const Captures& m, const json& body, const std::string& who) {
    const std::string parameter = m[0];
    if (e.guard().parameter(parameter) == nullptr) throw Refusal{404, "no parameter " + parameter};
    if (e.store() == nullptr) throw Refusal{409, "this engine keeps no versions (no state file)"};
    if (!field(body, "version").is_number_integer()) throw Refusal{400, "\"version\" must be a decision id (an integer)"};
    const std::int64_t version = body["version"].get<std::int64_t>();
    const auto stored = e.store()->decision(version);
    if (!stored || stored->target != parameter) throw Refusal{404, "decision " + std::to_string(version) + " did not set " + parameter};
    const json record = parse_own_json(stored->json);
    if (!record.contains("value") || !record["value"].is_number()) throw Refusal{409, "decision " + std::to_string(version) + " has no numeric value"};
    e.guard().clear_override(parameter);  // the operator's latest word wins over an earlier pin
    const auto d = e.pipeline().roll_back(parameter, record["value"].get<double>(), who, "decision " + std::to_string(version),
                                          "rollback to decision " + std::to_string(version), e.clock().wall());
    if (!d || d->outcome == "blocked" || d->outcome == "failed") throw Refusal{409, d ? d->detail : "cannot roll back"};
    return parse_own_json(decision_json(*d));
  });
  mutation("/v1/reload", Role::kOperator, [](Engine& e, const Captures&, const json&, const std::string&) {
    e.folder().rescan(e.clock().wall());
    return json{{"reloading", true}, {"see", "/v1/policies"}};
  });

  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, 500, what);
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already said why
    if (res.status == 404) send_error(res, 404, "no such endpoint: " + req.method + " " + req.path);
    else if (res.status == 413) send_error(res, 413, "the body is larger than control_plane.max_body_bytes");
    else if (res.status == 400) send_error(res, 400, "the request could not be read (a POST needs a body, or Content-Length: 0)");
    else send_error(res, res.status, "the request was refused (HTTP " + std::to_string(res.status) + ")");
  });
}

ControlPlane::ControlPlane(Engine& engine, TelemetryIntake& intake, Tokens tokens, ControlPlaneConfig config)
    : impl_(std::make_unique<Impl>(engine, intake, std::move(tokens), std::move(config))) {}

ControlPlane::~ControlPlane() { stop(); }

std::string ControlPlane::start() {
  Impl& i = *impl_;
  if (i.engine.store() != nullptr) {
    auto opened = AuditStore::open(i.engine.config().engine.state_path);
    if (auto* store = std::get_if<std::unique_ptr<AuditStore>>(&opened)) i.reader = std::move(*store);
  }
  i.server.set_payload_max_length(i.config.max_body_bytes);
  i.server.set_read_timeout(10, 0);
  i.server.set_write_timeout(10, 0);
  i.routes();
  if (i.config.port == 0) {
    i.port = i.server.bind_to_any_port(i.config.host);
    if (i.port < 0) return "control_plane.listen: cannot bind " + i.config.host;
  } else {
    if (!i.server.bind_to_port(i.config.host, i.config.port)) {
      return "control_plane.listen: cannot bind " + i.config.host + ":" + std::to_string(i.config.port) + " (in use, or not an address here)";
    }
    i.port = i.config.port;
  }
  i.thread = std::thread([&i] { i.server.listen_after_bind(); });
  return {};
}

void ControlPlane::set_ready(bool ready) { impl_->ready = ready; }
int ControlPlane::port() const { return impl_->port; }

void ControlPlane::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace setpoint::runner

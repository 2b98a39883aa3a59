#include "control_plane.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>

#include "engine.hpp"
#include "http_server.hpp"
#include "operator_actions.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/windows/snapshot.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/base/utf8.hpp"
#include "telemetry_intake.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// A request the engine cannot answer within this long gets a 503; the engine never waits.
constexpr auto kEngineWait = std::chrono::seconds(5);
// A body waits this long for an ingest worker before a 503.
constexpr Nanos kWorkerWait = 5 * kNanosPerSecond;

HttpResponse ok(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

// A time in a query: RFC 3339, or epoch seconds.
std::optional<Nanos> time_param(const std::string& text) {
  if (const auto t = parse_rfc3339(text)) return *t;
  const auto seconds = parse_double(text);
  if (!seconds || !std::isfinite(*seconds) || std::abs(*seconds) > 1e11) return std::nullopt;
  return static_cast<Nanos>(*seconds * kNanosPerSecond);
}

// "Bearer <token>", the scheme in any case (RFC 7235); the token only of the characters a
// bearer token may have (RFC 6750), so a NUL or a space inside is a malformed header, not a
// shorter token.
std::optional<std::string> bearer_token(const std::string& header) {
  if (header.size() < 8) return std::nullopt;
  for (std::size_t i = 0; i < 6; ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != "bearer"[i]) return std::nullopt;
  }
  std::size_t start = 6;
  if (header[start] != ' ') return std::nullopt;
  while (start < header.size() && header[start] == ' ') ++start;
  std::size_t end = header.size();
  while (end > start && header[end - 1] == ' ') --end;
  if (end == start) return std::nullopt;
  for (std::size_t i = start; i < end; ++i) {
    const auto c = static_cast<unsigned char>(header[i]);
    if (!(std::isalnum(c) || std::strchr("-._~+/=", c) != nullptr) || c == '\0') return std::nullopt;
  }
  return header.substr(start, end - start);
}

}  // namespace

struct ControlPlane::Impl {
  Engine& engine;
  TelemetryIntake& intake;
  Tokens tokens;
  ControlPlaneConfig config;
  std::unique_ptr<HttpServer> server;
  std::atomic<bool> ready{false};
  std::mutex store_mutex;
  std::unique_ptr<AuditStore> reader;  // a connection of its own, for reads

  Impl(Engine& e, TelemetryIntake& i, Tokens t, ControlPlaneConfig c)
      : engine(e), intake(i), tokens(std::move(t)), config(std::move(c)) {}

  // The token, when it allows `needed`; else the 401 or 403 to answer.
  std::variant<Token, HttpResponse> authorize(const HttpRequest& req, Role needed) const {
    const auto header = req.header("Authorization");
    // With no tokens file no token can be right: say so, not only that one is missing.
    const std::string none = tokens.empty() ? "; no tokens file is configured (control_plane.tokens_file), so none is known" : "";
    if (!header) {
      HttpResponse r = json_error(401, "this needs a bearer token (Authorization: Bearer <token>)" + none);
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    const auto presented = bearer_token(*header);
    const auto token = presented ? tokens.find(*presented) : std::nullopt;
    if (!token) {
      HttpResponse r = json_error(401, presented ? "the token is not known" + none : "the Authorization header is not \"Bearer <token>\"");
      r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return r;
    }
    if (!allows(token->role, needed)) {
      return json_error(403, "the token \"" + token->name + "\" has the role " + role_name(token->role) + "; this needs " + role_name(needed));
    }
    return *token;
  }

  std::optional<HttpResponse> refused(const HttpRequest& req, Role needed) const {
    auto result = authorize(req, needed);
    if (auto* r = std::get_if<HttpResponse>(&result)) return std::move(*r);
    return std::nullopt;
  }

  // Reads need a viewer token once tokens exist; without a tokens file they are open.
  std::optional<HttpResponse> may_read(const HttpRequest& req) const {
    if (tokens.empty()) return std::nullopt;
    return refused(req, Role::kViewer);
  }

  HttpRoute view(const char* path, const char* name) {
    return {"GET", path, [this](HttpRequest& req) { return may_read(req); },
            [this, name](HttpRequest&) { return ok(engine.view(name)); }, {}};
  }

  // The engine thread passes every few milliseconds; one that has not for this long is stuck
  // (a policy cannot hold it: its deadline ends it), and health says so.
  static constexpr Nanos kUnreadyAfter = 5 * kNanosPerSecond;
  static constexpr Nanos kStalledAfter = 30 * kNanosPerSecond;

  HttpResponse health(Nanos limit) const {
    const Nanos since = engine.since_last_pass();
    if (since <= limit) return ok(R"({"status":"ok"})");
    return json_error(503, "the engine thread has not finished a pass for " + human_duration(since));
  }

  HttpResponse state(const HttpRequest& req) {
    const std::string text = req.query("span").value_or("1m");
    const auto span = text.size() > 64 ? std::nullopt : parse_duration(text);
    const Aggregator& aggregator = engine.aggregator();  // reads are safe from any thread
    if (!span || *span <= 0 || !aggregator.windows().resolution_for(*span)) {
      return json_error(400, "span: \"" + utf8::printable(text, 64) + "\" is not a duration within the windows (like 10s, 1m, 1h)");
    }
    const Nanos now = engine.clock().wall();
    return ok(snapshot_json(aggregator, read_all(aggregator, now, *span), now, *span));
  }

  HttpResponse decisions(const HttpRequest& req) {
    if (!reader) return json_error(404, "this engine keeps no decisions (no state file)");
    DecisionQuery q;
    q.newest_first = true;  // like every log
    q.limit = 100;
    if (const auto since = req.query("since")) {
      const auto t = time_param(*since);
      if (!t) return json_error(400, "since: \"" + utf8::printable(*since, 64) + "\" is not an RFC 3339 time or epoch seconds");
      q.since = *t;
    }
    if (const auto policy = req.query("policy")) q.policy = *policy;
    if (const auto target = req.query("target")) q.target = *target;
    if (const auto verdict = req.query("verdict")) {
      q.verdict = *verdict;
      if (q.verdict != "allow" && q.verdict != "clamp" && q.verdict != "block") return json_error(400, "verdict must be allow, clamp or block");
    }
    if (const auto limit = req.query("limit")) {
      const auto n = limit->size() > 7 ? std::nullopt : parse_integer(*limit);
      if (!n || *n < 1 || *n > 100'000) return json_error(400, "limit must be a whole number from 1 to 100000");
      q.limit = static_cast<std::size_t>(*n);
    }
    std::vector<StoredDecision> found;
    {
      std::lock_guard lock(store_mutex);
      found = reader->decisions(q);
    }
    std::string body = "[";
    for (std::size_t i = 0; i < found.size(); ++i) body += (i ? "," : "") + found[i].json;
    return ok(body + "]");
  }

  // A telemetry body, taken line by line as it arrives.
  class EventsBody final : public BodyStream {
   public:
    explicit EventsBody(std::unique_ptr<TelemetryIntake::Body> body) : body_(std::move(body)) {}
    void take(std::string_view bytes) override { body_->take(bytes); }
    HttpResponse finish(bool cut) override {
      const IngestCounts counts = body_->finish();
      json rejected = json::object();
      for (std::size_t i = 0; i < kRejectionCount; ++i) {
        if (counts.rejected[i] > 0) rejected[std::string(name(static_cast<Rejection>(i)))] = counts.rejected[i];
      }
      const json answer{{"accepted", counts.accepted}, {"rejected", rejected}, {"rejected_total", counts.rejected_total()}};
      if (!cut) return ok(dump(answer));
      // What came before the limit is in; the client learns where it stopped.
      json error = answer;
      error["error"] = "the body is larger than control_plane.max_body_bytes; the lines counted here were taken, the rest was not";
      HttpResponse r = ok(dump(error));
      r.status = 413;
      return r;
    }

   private:
    std::unique_ptr<TelemetryIntake::Body> body_;
  };

  // A mutation: authorized from the headers before its body is read, then run on the engine
  // thread, which records it with the token's name and its answer. One that started an
  // actuation answers once the actuation has its result.
  HttpRoute mutation(const char* pattern, Role needed, Operation action) {
    HttpRoute route{"POST", pattern, [this, needed](HttpRequest& req) { return refused(req, needed); }, {}, {}};
    route.handle = [this, needed, action](HttpRequest& req) { return mutate(req, needed, action); };
    return route;
  }

  HttpResponse mutate(HttpRequest& req, Role needed, const Operation& action) {
    const Token token = std::get<Token>(authorize(req, needed));  // admitted: it is valid
    json body = json::object();
    if (!req.body.empty()) {
      std::string error;
      auto parsed = parse_json(req.body, error);
      if (!parsed) return json_error(400, "the body is not JSON: " + error);
      if (!parsed->is_object()) return json_error(400, "the body must be a JSON object");
      body = std::move(*parsed);
    }
    const std::string who = "operator:" + token.name;
    const std::string what = "POST " + utf8::printable(req.path, 200);
    auto reply = engine.post([action, captures = req.captures, body, who, what](Engine& e) {
      Reply r;
      try {
        r.body = dump(action(e, captures, body, who));
      } catch (const Refusal& refusal) {
        r = {refusal.status, dump(json{{"error", refusal.message}})};
      } catch (const std::exception& ex) {
        spdlog::error("{} by {}: {}", what, who, utf8::printable(ex.what(), 500));
        r = {500, R"({"error":"internal error"})"};
      }
      if (e.store() != nullptr) e.store()->record_operator_action({e.clock().wall(), who, what, dump(body), r.status});
      spdlog::info("{} by {}: {} {}", what, who, r.status, utf8::printable(r.body, 2000));
      return r;
    });
    if (reply.wait_for(kEngineWait) != std::future_status::ready) {
      return json_error(503, "the engine did not answer within 5 s; the request may still be applied");
    }
    Reply r = reply.get();
    return awaited(r);
  }

  // A reply whose decision is still an intent: wait for its result (up to the actuators'
  // timeout) and answer with it, so "approve" says "applied", not "waiting".
  HttpResponse awaited(Reply r) {
    HttpResponse out;
    out.status = r.status;
    json answer = parse_own_json(r.body);
    const json* decision = answer.is_object() && answer.contains("decision") && answer["decision"].is_object() ? &answer["decision"] : nullptr;
    if (r.status != 200 || decision == nullptr || decision->value("outcome", std::string("x")) != "") {
      out.body = std::move(r.body);
      return out;
    }
    const std::int64_t id = decision->value("id", std::int64_t{0});
    auto finished = std::make_shared<std::promise<std::string>>();
    auto result = finished->get_future();
    engine.post([id, finished](Engine& e) {
      e.when_finished(id, [finished](const std::string& record) { finished->set_value(record); });
      return Reply{};
    });
    Nanos timeout = kNanosPerSecond;
    for (const auto& [_, actuator] : engine.config().actuators) timeout = std::max(timeout, actuator.timeout);
    if (result.wait_for(std::chrono::nanoseconds(timeout + 2 * kNanosPerSecond)) == std::future_status::ready) {
      const json record = parse_own_json(result.get());
      if (record.is_object()) answer["decision"] = record;
    } else {
      answer["note"] = "the actuator had not answered yet; see setpoint decisions for the outcome";
    }
    out.body = dump(answer);
    return out;
  }

  std::vector<HttpRoute> routes() {
    std::vector<HttpRoute> r;
    // Health and metrics take no token and touch nothing the engine owns: they are answered
    // on the connection's own thread from what the engine last published.
    r.push_back({"GET", "/healthz", {}, [this](HttpRequest&) { return health(kStalledAfter); }, {}});
    r.push_back({"GET", "/readyz", {}, [this](HttpRequest&) {
                   if (!ready) return json_error(503, "starting");
                   HttpResponse h = health(kUnreadyAfter);
                   return h.status == 200 ? ok(engine.view("health")) : h;
                 },
                 {}});
    r.push_back({"GET", "/metrics", {}, [this](HttpRequest&) {
                   std::string text = engine.metrics_text() + intake.metrics_text();
                   metric_family(text, "setpoint_control_plane_connections_cut_total", "counter",
                                 "Connections cut for sending a request too slowly (408 at the header deadline, or past request_timeout).");
                   metric_sample(text, "setpoint_control_plane_connections_cut_total", "", static_cast<double>(server->cut_connections()));
                   HttpResponse m = ok(std::move(text));
                   m.content_type = "text/plain; version=0.0.4; charset=utf-8";
                   return m;
                 },
                 {}});
    r.push_back(view("/v1/policies", "policies"));
    r.push_back(view("/v1/params", "params"));
    r.push_back(view("/v1/proposals", "proposals"));
    r.push_back(view("/v1/pauses", "pauses"));
    r.push_back({"GET", "/v1/state", [this](HttpRequest& req) { return may_read(req); }, [this](HttpRequest& req) { return state(req); }, {}});
    r.push_back({"GET", "/v1/decisions", [this](HttpRequest& req) { return may_read(req); },
                 [this](HttpRequest& req) { return decisions(req); }, {}});
    // Telemetry: any content type is NDJSON (curl's default form type included); the token is
    // checked before a byte of the body is read.
    r.push_back({"POST", "/v1/events", [this](HttpRequest& req) { return refused(req, Role::kIngest); }, {},
                 [this](HttpRequest&) -> std::unique_ptr<BodyStream> {
                   auto body = intake.open_body("http", kWorkerWait);
                   if (!body) return nullptr;
                   return std::make_unique<EventsBody>(std::move(body));
                 }});
    r.push_back(mutation("/v1/pause", Role::kOperator, pause_changes));
    r.push_back(mutation("/v1/resume", Role::kOperator, resume_changes));
    r.push_back(mutation("/v1/override", Role::kAdmin, override_parameter));
    r.push_back(mutation("/v1/proposals/*/approve", Role::kOperator, approve_proposal));
    r.push_back(mutation("/v1/proposals/*/reject", Role::kOperator, reject_proposal));
    r.push_back(mutation("/v1/params/*/rollback", Role::kAdmin, roll_back_parameter));
    r.push_back(mutation("/v1/params/*/release", Role::kAdmin, release_parameter));
    r.push_back(mutation("/v1/reload", Role::kOperator, reload_policies));
    return r;
  }
};

ControlPlane::ControlPlane(Engine& engine, TelemetryIntake& intake, Tokens tokens, ControlPlaneConfig config)
    : impl_(std::make_unique<Impl>(engine, intake, std::move(tokens), std::move(config))) {}

ControlPlane::~ControlPlane() { stop(); }

std::string ControlPlane::start() {
  Impl& i = *impl_;
  if (i.engine.store() != nullptr) {
    auto opened = AuditStore::open(i.engine.config().engine.state_path);
    if (auto* store = std::get_if<std::unique_ptr<AuditStore>>(&opened)) i.reader = std::move(*store);
  }
  HttpServerOptions options;
  options.host = i.config.host;
  options.port = i.config.port;
  options.max_body_bytes = i.config.max_body_bytes;
  options.max_connections = i.config.max_connections;
  options.header_timeout = i.config.header_timeout;
  options.request_timeout = i.config.request_timeout;
  i.server = std::make_unique<HttpServer>(options, i.routes());
  return i.server->start();
}

void ControlPlane::set_ready(bool ready) { impl_->ready = ready; }
int ControlPlane::port() const { return impl_->server ? impl_->server->port() : 0; }
std::uint64_t ControlPlane::cut_connections() const { return impl_->server ? impl_->server->cut_connections() : 0; }

void ControlPlane::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
}

}  // namespace setpoint::runner

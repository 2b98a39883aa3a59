// The operator's mutations: authorized from the headers before the body is read, then run on
// the engine thread, which records each with the token's name and its answer. A request can
// wait for the engine, never the other way round.
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "control_plane/routes.hpp"
#include "engine/dry_run_review.hpp"
#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// A request the engine cannot answer within this long gets a 503; the engine never waits.
constexpr auto kEngineWait = std::chrono::seconds(5);

// A reply whose decision is still an intent: wait for its result (up to the actuators'
// timeout) and answer with it, so "approve" says "applied", not "waiting".
HttpResponse awaited(Engine& engine, Reply r) {
  HttpResponse out;
  out.status = r.status;
  json answer = parse_own_json(r.body);
  const json* decision =
      answer.is_object() && answer.contains("decision") && answer["decision"].is_object()
          ? &answer["decision"]
          : nullptr;
  if (r.status != 200 || decision == nullptr ||
      decision->value("outcome", std::string("x")) != "") {
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
  for (const auto& [_, actuator] : engine.config().actuators)
    timeout = std::max(timeout, actuator.timeout);
  if (result.wait_for(std::chrono::nanoseconds(timeout + 2 * kNanosPerSecond)) ==
      std::future_status::ready) {
    const json record = parse_own_json(result.get());
    if (record.is_object()) answer["decision"] = record;
  } else {
    answer["note"] = "the actuator had not answered yet; see setpoint decisions for the outcome";
  }
  out.body = dump(answer);
  return out;
}

HttpResponse mutate(RouteContext& c, HttpRequest& req, Role needed, const Operation& action) {
  const Token token = std::get<Token>(
      c.access.authorize(req.header("Authorization"), needed));  // admitted: it is valid
  json body = json::object();
  if (!req.body.empty()) {
    auto parsed = parse_json(req.body);
    if (!parsed) return json_error(400, "the body is not JSON: " + parsed.error());
    if (!parsed->is_object()) return json_error(400, "the body must be a JSON object");
    body = std::move(*parsed);
  }
  const std::string who = "operator:" + token.name;
  const std::string what = "POST " + utf8::printable(req.path, 200);
  auto reply = c.engine.post([action, captures = req.captures, body, who, what](Engine& e) {
    Reply r;
    try {
      r.body = dump(action(e, captures, body, who));
    } catch (const Refusal& refusal) {
      r = {refusal.status, dump(json{{"error", refusal.message}})};
    } catch (const std::exception& ex) {
      spdlog::error("{} by {}: {}", what, who, utf8::printable(ex.what(), 500));
      r = {500, R"({"error":"internal error"})"};
    }
    if (e.store() != nullptr) {
      const auto kept =
          e.store()->record_operator_action({e.clock().wall(), who, what, dump(body), r.status});
      if (!kept) {
        e.count_store_failure();
        spdlog::error("{} by {}: not kept in engine.state_path: {}", what, who, kept.error());
      }
    }
    spdlog::info("{} by {}: {} {}", what, who, r.status, utf8::printable(r.body, 2000));
    return r;
  });
  if (reply.wait_for(kEngineWait) != std::future_status::ready) {
    return json_error(503,
                      "the engine did not answer within 5 s; the request may still be applied");
  }
  return awaited(c.engine, reply.get());
}

HttpRoute mutation(RouteContext& c, const char* pattern, Role needed, Operation action) {
  return {"POST",
          pattern,
          [&c, needed](HttpRequest& req) {
            return c.access.refused(req.header("Authorization"), needed);
          },
          [&c, needed, action](HttpRequest& req) { return mutate(c, req, needed, action); },
          {}};
}

}  // namespace

std::vector<HttpRoute> mutation_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back(mutation(c, "/v1/pause", Role::kOperator, pause_changes));
  r.push_back(mutation(c, "/v1/resume", Role::kOperator, resume_changes));
  r.push_back(mutation(c, "/v1/override", Role::kAdmin, override_parameter));
  r.push_back(mutation(c, "/v1/proposals/*/approve", Role::kOperator, approve_proposal));
  r.push_back(mutation(c, "/v1/proposals/*/reject", Role::kOperator, reject_proposal));
  r.push_back(mutation(c, "/v1/params/*/rollback", Role::kAdmin, roll_back_parameter));
  r.push_back(mutation(c, "/v1/params/*/release", Role::kAdmin, release_parameter));
  r.push_back(mutation(c, "/v1/reload", Role::kOperator, reload_policies));
  r.push_back(mutation(c, "/v1/policies/*/promote", Role::kOperator, promote_shadow_version));
  r.push_back(mutation(c, "/v1/policies/*/discard", Role::kOperator, discard_shadow_version));
  r.push_back(mutation(c, "/v1/autopilot/resume", Role::kOperator, resume_autopilot));
  r.push_back(mutation(c, "/v1/params/*/unfreeze", Role::kAdmin, unfreeze_parameter));
  r.push_back(mutation(c, "/v1/rollouts/*/abort", Role::kOperator, abort_rollout));
  r.push_back(mutation(c, "/v1/rollouts/*/promote", Role::kOperator, promote_rollout));
  r.push_back(mutation(c, "/v1/triage/run", Role::kOperator, run_triage_now));
  r.push_back(mutation(c, "/v1/decisions/*/mark", Role::kOperator, mark_decision));
  return r;
}

}  // namespace setpoint::runner

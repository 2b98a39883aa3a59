// The operator's hand on rollouts: abort (roll back now) and promote (skip the remaining steps).
#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

nlohmann::json answered(const Reply& reply) {
  const auto body = parse_own_json(reply.body);
  if (reply.status != 200) throw Refusal{reply.status, body.value("error", std::string("refused"))};
  return body;
}

std::string rollout_id(const std::vector<std::string>& captures) {
  const std::string& id = captures.at(0);
  if (id.empty() || id.size() > 512 || !utf8::valid(id))
    throw Refusal{400,
                  "a rollout id is its parameter and start, like "
                  "checkout.timeout_ms@2026-12-01T10:00:00.000Z"};
  return id;
}

}  // namespace

nlohmann::json abort_rollout(Engine& e, const std::vector<std::string>& captures,
                             const nlohmann::json&, const std::string& who) {
  return answered(e.rollouts().abort(rollout_id(captures), who, e.clock().wall()));
}

nlohmann::json promote_rollout(Engine& e, const std::vector<std::string>& captures,
                               const nlohmann::json&, const std::string& who) {
  return answered(e.rollouts().promote(rollout_id(captures), who, e.clock().wall()));
}

}  // namespace setpoint::runner

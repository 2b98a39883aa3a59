// The operator's hand on shadow versions: promote one (it goes live now, whatever it
// diverged) or discard it (the live version keeps running). Both name the policy.
#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

// The file whose shadow the path's policy has; a Refusal saying why not.
std::string shadowed_file(Engine& e, const std::vector<std::string>& captures) {
  const std::string& policy = captures.at(0);
  if (policy.empty() || policy.size() > 200 || !utf8::valid(policy))
    throw Refusal{400, "a policy is named by its name, as setpoint policies lists it"};
  if (const auto file = e.shadow_file(policy)) return *file;
  for (const auto& [file, live] : e.folder().live()) {
    if (live.info.name == policy)
      throw Refusal{409, "policy " + policy + " has no shadow version: " + file +
                             " runs only its live version " + live.hash.substr(0, 12)};
  }
  throw Refusal{404, "no policy is named " + utf8::printable(policy, 200)};
}

std::string note(const nlohmann::json& body) {
  if (!body.contains("reason")) return {};
  if (!body["reason"].is_string() || body["reason"].get<std::string>().size() > 1000 ||
      !utf8::valid(body["reason"].get<std::string>()))
    throw Refusal{400, "reason must be a string of at most 1000 bytes of UTF-8"};
  return body["reason"].get<std::string>();
}

}  // namespace

nlohmann::json promote_shadow_version(Engine& e, const std::vector<std::string>& captures,
                                      const nlohmann::json& body, const std::string& who) {
  const std::string file = shadowed_file(e, captures);
  const std::string reason = note(body);
  const auto done =
      e.promote_shadow(file, "by " + who + (reason.empty() ? "" : ": " + reason), e.clock().wall());
  if (!done) throw Refusal{409, done.error()};
  return {{"policy", captures.at(0)}, {"file", file}, {"promoted", *done}};
}

nlohmann::json discard_shadow_version(Engine& e, const std::vector<std::string>& captures,
                                      const nlohmann::json& body, const std::string& who) {
  const std::string file = shadowed_file(e, captures);
  const std::string reason = note(body);
  const auto done =
      e.discard_shadow(file, reason.empty() ? "an operator's call" : reason, who, e.clock().wall());
  if (!done) throw Refusal{409, done.error()};
  return {{"policy", captures.at(0)}, {"file", file}, {"discarded", *done}};
}

}  // namespace setpoint::runner

#pragma once
// What an operator can do to a running engine, each as a function the engine thread runs with
// the request's JSON body: pause, resume, override, approve, reject, roll back, reload. The
// control plane authorizes and posts them; the engine thread runs them between evaluations,
// so each sees and changes engine state alone. A request that cannot be done throws Refusal
// with its HTTP status and a message that says why and what to do instead.
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace setpoint::runner {

class Engine;

struct Refusal {
  int status;
  std::string message;
};

// `captures` are the path's variable parts (a proposal's id, a parameter's name); `who` is
// "operator:<token name>", recorded with every change.
using Operation =
    std::function<nlohmann::json(Engine& engine, const std::vector<std::string>& captures,
                                 const nlohmann::json& body, const std::string& who)>;

nlohmann::json pause_changes(Engine& e, const std::vector<std::string>&, const nlohmann::json& body,
                             const std::string&);
nlohmann::json resume_changes(Engine& e, const std::vector<std::string>&,
                              const nlohmann::json& body, const std::string&);
nlohmann::json override_parameter(Engine& e, const std::vector<std::string>&,
                                  const nlohmann::json& body, const std::string& who);
nlohmann::json approve_proposal(Engine& e, const std::vector<std::string>& captures,
                                const nlohmann::json& body, const std::string& who);
nlohmann::json reject_proposal(Engine& e, const std::vector<std::string>& captures,
                               const nlohmann::json& body, const std::string& who);
// Lifts the drift monitor's pause of autopilot cycles.
nlohmann::json resume_autopilot(Engine& e, const std::vector<std::string>& captures,
                                const nlohmann::json& body, const std::string& who);
// Unfreezes a parameter the autopilot froze after repeated rollbacks.
nlohmann::json unfreeze_parameter(Engine& e, const std::vector<std::string>& captures,
                                  const nlohmann::json& body, const std::string& who);
// Lifts an override or a rollback's hold before its time: policies may move it again.
nlohmann::json release_parameter(Engine& e, const std::vector<std::string>& captures,
                                 const nlohmann::json& body, const std::string& who);
nlohmann::json roll_back_parameter(Engine& e, const std::vector<std::string>& captures,
                                   const nlohmann::json& body, const std::string& who);
// Rolls a rollout back now, or promotes it past its remaining steps (rollout_actions.cpp).
nlohmann::json abort_rollout(Engine& e, const std::vector<std::string>& captures,
                             const nlohmann::json& body, const std::string& who);
nlohmann::json promote_rollout(Engine& e, const std::vector<std::string>& captures,
                               const nlohmann::json& body, const std::string& who);
// Runs the triage policies now over body.since ("7d" by default) (engine_triage.cpp).
nlohmann::json run_triage_now(Engine& e, const std::vector<std::string>& captures,
                              const nlohmann::json& body, const std::string& who);
// A policy's shadow version goes live now, or is dropped (shadow_actions.cpp); body.reason
// is recorded with it.
nlohmann::json promote_shadow_version(Engine& e, const std::vector<std::string>& captures,
                                      const nlohmann::json& body, const std::string& who);
nlohmann::json discard_shadow_version(Engine& e, const std::vector<std::string>& captures,
                                      const nlohmann::json& body, const std::string& who);
nlohmann::json reload_policies(Engine& e, const std::vector<std::string>&, const nlohmann::json&,
                               const std::string&);

}  // namespace setpoint::runner

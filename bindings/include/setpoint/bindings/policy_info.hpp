#pragma once
// What a policy file says about itself, checked: the table it returns must have
//   evaluate  a function (required)
//   name      a string (default: the file's name)
//   every     an interval like "5s" (default "10s"), or
//   schedule  "daily HH:MM" or "weekly <day> HH:MM" (UTC) instead of every
//   params    the parameters it may set: a list of strings (default: none)
//   actions   the named actions it may ask for: a list of strings (default: none)
// A policy can touch only what it declares here and what config grants it.
#include <optional>
#include <string>
#include <vector>

#include "setpoint/bindings/policy_state.hpp"

namespace setpoint::bindings {

struct PolicyInfo {
  std::string name;
  Nanos every = 10 * kNanosPerSecond;
  std::string schedule;  // empty: runs every `every`
  std::vector<std::string> params;
  std::vector<std::string> actions;
};

// Reads the loaded module of `state`; every problem found is appended to `problems`.
std::optional<PolicyInfo> read_policy_info(PolicyState& state, const std::string& default_name,
                                           std::vector<std::string>& problems);

}  // namespace setpoint::bindings

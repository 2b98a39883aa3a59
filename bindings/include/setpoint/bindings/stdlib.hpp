#pragma once
// The stdlib: Lua modules policies may `require` ("setpoint.aimd" is <dir>/setpoint/aimd.lua).
// They are read once by the host and compiled inside each policy's sandbox on first require,
// so a module gets the same limits and environment as the policy that uses it. Nothing else
// can be required: there is no file system access from a policy.
#include <map>
#include <string>
#include <variant>

#include "setpoint/base/result.hpp"

namespace setpoint::bindings {

using Stdlib = std::map<std::string, std::string>;  // module name → source text

// Every module under <dir>/setpoint/, or what went wrong.
Result<Stdlib> load_stdlib(const std::string& dir);

}  // namespace setpoint::bindings

#pragma once
// ctx.state as plain data: numbers, strings, booleans and nested tables, written as JSON so it
// can outlive the Lua state — across a hot reload (a new state) and a restart (the store). A
// table is a list when its keys are exactly 1..n and an object when they are all strings (valid
// UTF-8, NULs kept); anything else — functions, NaN, invalid UTF-8, cycles, gaps, keys like 0,
// -1, 1.5 or 2^40, numbered and named keys mixed — is an error that names the path where it was
// found. Encoding reads the policy's tables raw: none of its metamethods runs.
#include <optional>
#include <string>

#include "setpoint/base/result.hpp"

struct lua_State;

namespace setpoint::bindings {

// The table at `index` as JSON, or why it cannot be kept ("ctx.state.x.y: a function cannot be
// kept"); `root` names the table in errors.
Result<std::string> encode_state(lua_State* L, int index, const std::string& root = "ctx.state");
// Pushes the table the JSON describes; an error (nothing pushed) when it is not a JSON object
// or list, or is deeper or larger than encode_state() writes.
Result<void> decode_state(lua_State* L, const std::string& json);

}  // namespace setpoint::bindings

#pragma once
// ctx.state as plain data: numbers, strings, booleans and nested tables (string keys, or a
// sequence 1..n), written as JSON so it can outlive the Lua state — across a hot reload (a new
// state) and a restart (the store). Anything else (functions, NaN, cycles, other keys) is an
// error that names the path in the state where it was found.
#include <optional>
#include <string>

struct lua_State;

namespace setpoint::bindings {

// The table at `index` as JSON, or none with `error` set ("ctx.state.x.y: a function cannot be
// kept"); `root` names the table in errors.
std::optional<std::string> encode_state(lua_State* L, int index, std::string& error,
                                        const std::string& root = "ctx.state");
// Pushes the table the JSON describes; false (nothing pushed) when it is not a JSON object.
bool decode_state(lua_State* L, const std::string& json, std::string& error);

}  // namespace setpoint::bindings

// The ctx functions' argument checks (ctx_args.hpp).
#include "ctx_args.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <cmath>

#include "setpoint/base/utf8.hpp"

namespace setpoint::bindings::ctx {

Evaluation& evaluation(lua_State* L) {
  auto** current = static_cast<Evaluation**>(lua_touserdata(L, lua_upvalueindex(1)));
  if (*current == nullptr) luaL_error(L, "ctx used outside an evaluation");
  return **current;
}

std::string_view text_view(lua_State* L, int index, const char* what) {
  // The type first: lua_tolstring would turn a number into a string in place.
  if (lua_type(L, index) != LUA_TSTRING) luaL_error(L, "%s must be a string", what);
  std::size_t n = 0;
  const char* s = lua_tolstring(L, index, &n);
  if (n > kMaxTextBytes)
    luaL_error(L, "%s is longer than %d bytes", what, static_cast<int>(kMaxTextBytes));
  return {s, n};
}

std::string text_arg(lua_State* L, int index, const char* what) {
  return utf8::printable(text_view(L, index, what), kMaxTextBytes);
}

std::string shown(lua_State* L, int index) {
  std::size_t n = 0;
  const char* s = lua_type(L, index) == LUA_TSTRING ? lua_tolstring(L, index, &n) : nullptr;
  return s == nullptr ? std::string(luaL_typename(L, index)) : utf8::printable({s, n}, 128);
}

ProposedValue value_arg(lua_State* L, int index, const char* what) {
  switch (lua_type(L, index)) {
    case LUA_TNUMBER: return lua_tonumber(L, index);
    case LUA_TBOOLEAN: return lua_toboolean(L, index) != 0;
    case LUA_TSTRING: return text_arg(L, index, what);
    default:
      luaL_error(L, "%s must be a number, boolean or string, not %s", what,
                 luaL_typename(L, index));
  }
  return 0.0;
}

void raw_field(lua_State* L, int index, const char* key) {
  lua_pushstring(L, key);
  lua_rawget(L, index);
}

double number_arg(lua_State* L, int index, const char* what) {
  if (lua_type(L, index) != LUA_TNUMBER || !std::isfinite(lua_tonumber(L, index)))
    luaL_error(L, "%s must be a finite number", what);
  return lua_tonumber(L, index);
}

}  // namespace setpoint::bindings::ctx

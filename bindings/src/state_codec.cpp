#include "setpoint/bindings/state_codec.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace setpoint::bindings {
namespace {

using nlohmann::json;
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxEntries = 100'000;

struct Encoder {
  lua_State* L;
  std::string error;
  std::size_t entries = 0;

  bool fail(const std::string& path, const std::string& what) {
    error = path + ": " + what;
    return false;
  }

  // The value at the top of the stack.
  bool value(const std::string& path, int depth, json& out) {
    switch (lua_type(L, -1)) {
      case LUA_TNUMBER: {
        const double x = lua_tonumber(L, -1);
        if (!std::isfinite(x)) return fail(path, "NaN and infinities cannot be kept");
        // Whole numbers are written as integers: 8, not 8.0.
        if (std::floor(x) == x && std::abs(x) < 9.007199254740992e15) out = static_cast<std::int64_t>(x);
        else out = x;
        return true;
      }
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L, -1, &n);
        out = std::string(s, n);
        return true;
      }
      case LUA_TBOOLEAN:
        out = lua_toboolean(L, -1) != 0;
        return true;
      case LUA_TTABLE:
        return table(path, depth + 1, out);
      default:
        return fail(path, std::string("a ") + luaL_typename(L, -1) + " cannot be kept");
    }
  }

  bool table(const std::string& path, int depth, json& out) {
    if (depth > kMaxDepth) return fail(path, "nested deeper than " + std::to_string(kMaxDepth) + " (a cycle?)");
    if (!lua_checkstack(L, 4)) return fail(path, "nested too deep");
    const std::size_t n = lua_objlen(L, -1);
    // A sequence 1..n with nothing else is a JSON array.
    std::size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      ++count;
      lua_pop(L, 1);
    }
    const bool array = n > 0 && count == n;
    out = array ? json::array() : json::object();
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (++entries > kMaxEntries) return fail(path, "more than " + std::to_string(kMaxEntries) + " entries");
      std::string key;
      if (array) {
        key = std::to_string(static_cast<long long>(lua_tonumber(L, -2)));
      } else if (lua_type(L, -2) == LUA_TSTRING) {
        key = lua_tostring(L, -2);
      } else {
        lua_pop(L, 2);
        return fail(path, "keys must be strings (or the table a sequence 1..n)");
      }
      json item;
      if (!value(path + (array ? "[" + key + "]" : "." + key), depth, item)) {
        lua_pop(L, 2);
        return false;
      }
      if (array) out[static_cast<std::size_t>(std::stoll(key)) - 1] = std::move(item);
      else out[key] = std::move(item);
      lua_pop(L, 1);
    }
    return true;
  }
};

void push(lua_State* L, const json& j) {
  lua_checkstack(L, 4);
  if (j.is_boolean()) lua_pushboolean(L, j.get<bool>());
  else if (j.is_number()) lua_pushnumber(L, j.get<double>());
  else if (j.is_string()) lua_pushlstring(L, j.get_ref<const std::string&>().data(), j.get_ref<const std::string&>().size());
  else if (j.is_array()) {
    lua_createtable(L, static_cast<int>(j.size()), 0);
    for (std::size_t i = 0; i < j.size(); ++i) {
      push(L, j[i]);
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
  } else if (j.is_object()) {
    lua_createtable(L, 0, static_cast<int>(j.size()));
    for (const auto& [k, v] : j.items()) {
      push(L, v);
      lua_setfield(L, -2, k.c_str());
    }
  } else {
    lua_pushnil(L);
  }
}

}  // namespace

std::optional<std::string> encode_state(lua_State* L, int index, std::string& error, const std::string& root) {
  lua_pushvalue(L, index);
  Encoder encoder{L, {}, 0};
  json out;
  const bool ok = lua_istable(L, -1) ? encoder.table(root, 1, out) : encoder.fail(root, "must be a table");
  lua_pop(L, 1);
  if (!ok) {
    error = encoder.error;
    return std::nullopt;
  }
  if (out.is_array() && out.empty()) out = json::object();
  return out.dump();
}

bool decode_state(lua_State* L, const std::string& text, std::string& error) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "the kept state is not a JSON object";
    return false;
  }
  push(L, j);
  return true;
}

}  // namespace setpoint::bindings

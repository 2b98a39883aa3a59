#include "setpoint/bindings/state_codec.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/json_text.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::bindings {
namespace {

using nlohmann::json;
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxEntries = 100'000;
// The encoded text's size. A policy's memory cap does not bound it: one string referenced from
// many places is stored once in Lua but written out at each place (99,000 references to a 4 MiB
// string asked for 400 GB of JSON).
constexpr std::size_t kMaxBytes = 4u << 20;

// A Lua number that is a whole number from 1 to the largest index we keep, as that index.
std::optional<std::size_t> list_index(double x) {
  if (!(x >= 1 && x <= static_cast<double>(kMaxEntries)) || std::floor(x) != x) return std::nullopt;
  return static_cast<std::size_t>(x);
}

// Writes a policy's table as JSON text. Only raw accesses (lua_next, lua_rawgeti, lua_rawget):
// no metamethod of the policy's runs here, so encoding cannot loop, yield or raise.
struct Encoder {
  lua_State* L;
  std::string error;
  std::size_t entries = 0;

  bool fail(const std::string& path, const std::string& what) {
    error = utf8::printable(path, 256) + ": " + what;
    return false;
  }
  bool too_large(const std::string& path) {
    return fail(path,
                "the state would take more than " + std::to_string(kMaxBytes >> 20) +
                    " MiB as JSON (a table or string kept in many places is written out at each)");
  }

  // The value at the top of the stack.
  bool value(const std::string& path, int depth, std::string& out) {
    switch (lua_type(L, -1)) {
      case LUA_TNUMBER: {
        const double x = lua_tonumber(L, -1);
        if (!std::isfinite(x)) return fail(path, "NaN and infinities cannot be kept");
        // Shortest form (8, not 8.0), which reads back exactly; -0 is kept as 0, since a JSON
        // reader takes "-0" for the integer 0 (found by the fuzzer: it did not read back).
        json_text::append_number(out, x == 0 ? 0.0 : x);
        return true;
      }
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L, -1, &n);
        if (!utf8::valid({s, n}))
          return fail(path, "a string that is not valid UTF-8 cannot be kept");
        // Its size once escaped (a control byte takes 6), before a byte is copied: a string of
        // them would otherwise grow six-fold in the host before the cap saw it.
        std::size_t escaped = 2;
        for (std::size_t i = 0; i < n; ++i) {
          const auto c = static_cast<unsigned char>(s[i]);
          escaped += c < 0x20 ? 6 : (c == '"' || c == '\\') ? 2 : 1;
        }
        if (escaped > kMaxBytes - std::min(out.size(), kMaxBytes)) return too_large(path);
        json_text::append_string(out, {s, n});
        return out.size() <= kMaxBytes || too_large(path);
      }
      case LUA_TBOOLEAN: out += lua_toboolean(L, -1) != 0 ? "true" : "false"; return true;
      case LUA_TTABLE: return table(path, depth + 1, out);
      default: return fail(path, std::string("a ") + luaL_typename(L, -1) + " cannot be kept");
    }
  }

  // A table is a list when its keys are exactly 1..n, an object when they are all strings;
  // anything else (gaps, 0, negative, fractional or huge numbers, mixed keys) is refused.
  bool table(const std::string& path, int depth, std::string& out) {
    if (depth > kMaxDepth)
      return fail(path, "nested deeper than " + std::to_string(kMaxDepth) + " (a cycle?)");
    if (!lua_checkstack(L, 4)) return fail(path, "nested too deep");
    std::size_t count = 0;
    std::size_t largest = 0;
    bool numbered = false;
    std::vector<std::string> keys;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pop(L, 1);
      if (++entries > kMaxEntries) {
        lua_pop(L, 1);
        return fail(path, "more than " + std::to_string(kMaxEntries) + " entries");
      }
      ++count;
      if (lua_type(L, -1) == LUA_TSTRING) {
        std::size_t n = 0;
        const char* s = lua_tolstring(L, -1, &n);
        if (!utf8::valid({s, n})) {
          lua_pop(L, 1);
          return fail(path, "a key that is not valid UTF-8 cannot be kept");
        }
        keys.emplace_back(s, n);
      } else if (lua_type(L, -1) == LUA_TNUMBER) {
        numbered = true;
        const auto index = list_index(lua_tonumber(L, -1));
        if (!index) {
          std::string key;
          json_text::append_number(key, lua_tonumber(L, -1));
          lua_pop(L, 1);
          return fail(path, "the key " + key + " cannot be kept (a list's keys are 1..n)");
        }
        largest = std::max(largest, *index);
      } else {
        const std::string type = luaL_typename(L, -1);
        lua_pop(L, 1);
        return fail(path, "a " + type + " key cannot be kept (keys are strings, or a list's 1..n)");
      }
    }
    if (numbered && !keys.empty())
      return fail(path, "a table with both numbered and named keys cannot be kept");
    if (numbered) {
      // Distinct whole keys, each within 1..count, and count of them: exactly 1..count.
      if (largest != count)
        return fail(path, "a list with gaps cannot be kept (its keys must be 1.." +
                              std::to_string(count) + ")");
      out += '[';
      for (std::size_t i = 1; i <= count; ++i) {
        if (i > 1) out += ',';
        lua_rawgeti(L, -1, static_cast<int>(i));
        const bool ok = value(path + "[" + std::to_string(i) + "]", depth, out);
        lua_pop(L, 1);
        if (!ok) return false;
        if (out.size() > kMaxBytes) return too_large(path);
      }
      out += ']';
      return true;
    }
    // Sorted keys: the same table always gives the same text (the engine saves only changes).
    std::sort(keys.begin(), keys.end());
    out += '{';
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) out += ',';
      json_text::append_string(out, keys[i]);
      out += ':';
      lua_pushlstring(L, keys[i].data(), keys[i].size());
      lua_rawget(L, -2);
      const bool ok = value(path + "." + keys[i], depth, out);
      lua_pop(L, 1);
      if (!ok) return false;
      if (out.size() > kMaxBytes) return too_large(path);
    }
    out += '}';
    return true;
  }
};

bool push(lua_State* L, const json& j, int depth) {
  if (depth > kMaxDepth + 1 || !lua_checkstack(L, 4)) return false;
  if (j.is_boolean()) {
    lua_pushboolean(L, j.get<bool>());
  } else if (j.is_number()) {
    lua_pushnumber(L, j.get<double>());
  } else if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    lua_pushlstring(L, s.data(), s.size());
  } else if (j.is_array()) {
    if (j.size() > kMaxEntries) return false;
    lua_createtable(L, static_cast<int>(j.size()), 0);
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (!push(L, j[i], depth + 1)) return false;
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
  } else if (j.is_object()) {
    lua_createtable(L, 0, static_cast<int>(std::min<std::size_t>(j.size(), kMaxEntries)));
    for (const auto& [k, v] : j.items()) {
      lua_pushlstring(L, k.data(), k.size());  // a key may hold a NUL: never cut at it
      if (!push(L, v, depth + 1)) return false;
      lua_rawset(L, -3);
    }
  } else {
    lua_pushnil(L);
  }
  return true;
}

}  // namespace

Result<std::string> encode_state(lua_State* L, int index, const std::string& root) {
  lua_pushvalue(L, index);
  Encoder encoder{L, {}, 0};
  std::string out;
  const bool ok =
      lua_istable(L, -1) ? encoder.table(root, 1, out) : encoder.fail(root, "must be a table");
  lua_pop(L, 1);
  if (!ok) return Error{encoder.error};
  return out;
}

Result<void> decode_state(lua_State* L, const std::string& text) {
  if (json_text::nesting_depth(text) > kMaxDepth + 1)
    return Error{"the kept state is nested deeper than " + std::to_string(kMaxDepth)};
  const json j = parse_own_json(text);
  if (!(j.is_object() || j.is_array())) return Error{"the kept state is not a JSON object or list"};
  const int top = lua_gettop(L);
  if (!push(L, j, 1)) {
    lua_settop(L, top);
    return Error{"the kept state is too large or too deep"};
  }
  return {};
}

}  // namespace setpoint::bindings

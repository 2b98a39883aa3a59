// Fuzzes ctx.state's codec, the code that once wrote past an array (double free) when a table
// looked like a list but was not. The bytes are a small program that builds a Lua value —
// numbers of every kind (NaN, huge, negative, fractional), strings of any bytes, booleans,
// nested and shared tables, keys set and removed — which is then encoded. A success must be
// valid JSON that decodes and encodes back to the same text; a refusal must name a path. The
// same bytes are also decoded as a kept state. Any sanitizer report or broken invariant is a bug.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "setpoint/base/json_document.hpp"
#include "setpoint/bindings/state_codec.hpp"

namespace {

struct Reader {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
  bool more() const { return at < size; }
  std::uint8_t byte() { return at < size ? data[at++] : 0; }
};

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "state_codec_fuzz: %s\n", what);
    std::abort();
  }
}

// Runs the program; leaves one table on the stack.
void build(lua_State* L, Reader& r) {
  lua_newtable(L);  // the root, always a table
  while (r.more() && lua_gettop(L) < 64) {
    switch (r.byte() % 9) {
      case 0: {  // any 8 bytes as a double
        double x = 0;
        std::uint8_t bytes[8];
        for (auto& b : bytes) b = r.byte();
        std::memcpy(&x, bytes, sizeof x);
        lua_pushnumber(L, x);
        break;
      }
      case 1:
        lua_pushnumber(L, static_cast<int>(r.byte()) - 8);
        break;  // small ints, 0 and negatives
      case 2: {
        const std::size_t n = r.byte() % 12;
        std::string s;
        for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(r.byte()));
        lua_pushlstring(L, s.data(), s.size());
        break;
      }
      case 3: lua_pushboolean(L, r.byte() & 1); break;
      case 4: lua_newtable(L); break;
      case 5:  // t[k] = v, when -3 is a table and k can be a key
        if (lua_gettop(L) >= 3 && lua_istable(L, -3) && !lua_isnil(L, -2) &&
            !(lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2) != lua_tonumber(L, -2))) {
          lua_rawset(L, -3);
        } else if (lua_gettop(L) > 1) {
          lua_pop(L, 1);
        }
        break;
      case 6:  // append v to the table below it
        if (lua_gettop(L) >= 2 && lua_istable(L, -2))
          lua_rawseti(L, -2, static_cast<int>(lua_objlen(L, -2)) + 1);
        break;
      case 7:  // t[k] = nil: a hole
        if (lua_gettop(L) >= 2 && lua_istable(L, -2) && !lua_isnil(L, -1) &&
            !(lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) != lua_tonumber(L, -1))) {
          lua_pushnil(L);
          lua_rawset(L, -3);
        }
        break;
      case 8:  // a table inside itself or a sibling: cycles and sharing
        if (lua_gettop(L) >= 2 && lua_istable(L, -1)) {
          lua_pushstring(L, "self");
          lua_pushvalue(L, -2 - (r.byte() % 2));
          if (lua_istable(L, -3))
            lua_rawset(L, -3);
          else
            lua_pop(L, 2);
        }
        break;
    }
  }
  // Fold what is left into the root, each under a name.
  while (lua_gettop(L) > 1) {
    lua_pushfstring(L, "k%d", lua_gettop(L));
    lua_insert(L, -2);
    lua_rawset(L, 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lua_State* L = luaL_newstate();
  Reader r{data, size};
  build(L, r);
  const auto json = setpoint::bindings::encode_state(L, 1);
  if (json) {
    check(setpoint::parse_json(*json, 64).ok(), "the encoder wrote what is not JSON");
    lua_State* again = luaL_newstate();
    check(setpoint::bindings::decode_state(again, *json).ok(),
          "what the encoder wrote does not decode");
    const auto twice = setpoint::bindings::encode_state(again, -1);
    check(twice.ok() && *twice == *json, "a decoded state does not encode to the same text");
    lua_close(again);
  } else {
    check(json.error().rfind("ctx.state", 0) == 0, "a refusal does not name its path");
  }
  lua_close(L);
  // The same bytes as a kept state read back from the store.
  lua_State* kept = luaL_newstate();
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (setpoint::bindings::decode_state(kept, text)) {
    check(lua_istable(kept, -1), "a decoded state is not a table");
    (void)setpoint::bindings::encode_state(kept, -1);
  }
  lua_close(kept);
  return 0;
}

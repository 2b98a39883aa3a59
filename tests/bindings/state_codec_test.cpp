#include <catch2/catch.hpp>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <string>

#include "setpoint/bindings/state_codec.hpp"

using namespace setpoint::bindings;

namespace {

// A plain Lua state in which `expression` builds a table; encoded as ctx.state would be.
struct Encoded {
  std::optional<std::string> json;
  std::string error;
};

Encoded encode(const std::string& expression) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  REQUIRE(luaL_dostring(L, ("return " + expression).c_str()) == 0);
  Encoded e;
  const auto json = encode_state(L, -1);
  if (json) e.json = *json;
  e.error = json.error();
  lua_close(L);
  return e;
}

// Decodes `json` and encodes the table again.
std::optional<std::string> round_trip(const std::string& json, std::string& error) {
  lua_State* L = luaL_newstate();
  std::optional<std::string> again;
  if (const auto decoded = decode_state(L, json); !decoded) {
    error = decoded.error();
  } else if (const auto encoded = encode_state(L, -1); !encoded) {
    error = encoded.error();
  } else {
    again = *encoded;
  }
  lua_close(L);
  return again;
}

}  // namespace

TEST_CASE("ctx.state is written as canonical JSON: sorted keys, lists for 1..n, shortest numbers") {
  CHECK(encode("{}").json == "{}");
  CHECK(encode("{ b = 1, a = { 3, 2.5, 'x', true } }").json == R"({"a":[3,2.5,"x",true],"b":1})");
  CHECK(encode("{ n = 2^53, tiny = 1e-300, neg = -0.1, zero = -0.0 }").json ==
        R"({"n":9007199254740992,"neg":-0.1,"tiny":1e-300,"zero":0})");
  CHECK(encode("{ [1] = 'a', [2] = 'b', [3] = 'c' }").json ==
        R"(["a","b","c"])");  // keys given out of order
  CHECK(encode("{ ['a\\0b'] = 'c\\0d' }").json == std::string("{\"a\\u0000b\":\"c\\u0000d\"}"));
  CHECK(encode("{ s = 'h\\195\\169llo' }").json == "{\"s\":\"h\xc3\xa9llo\"}");
}

TEST_CASE(
    "a table is a list only when its keys are exactly 1..n; every other shape is refused by name") {
  const std::pair<const char*, const char*> refused[] = {
      {"(function() local t = {1,2,3,4}; t[3] = nil; t.x = 'E'; return { t = t } end)()",
       "ctx.state.t: a table with both numbered and named keys cannot be kept"},
      {"{ t = { [2^40] = 1 } }",
       "ctx.state.t: the key 1099511627776 cannot be kept (a list's keys are 1..n)"},
      {"{ t = { [-1] = 1 } }", "ctx.state.t: the key -1 cannot be kept (a list's keys are 1..n)"},
      {"{ t = { [0] = 1 } }", "ctx.state.t: the key 0 cannot be kept (a list's keys are 1..n)"},
      {"{ t = { [1e300] = 1 } }",
       "ctx.state.t: the key 1e+300 cannot be kept (a list's keys are 1..n)"},
      {"{ t = { 10, [1.5] = 20 } }",
       "ctx.state.t: the key 1.5 cannot be kept (a list's keys are 1..n)"},
      {"{ t = { [1] = 1, [3] = 3 } }",
       "ctx.state.t: a list with gaps cannot be kept (its keys must be 1..2)"},
      {"{ t = { [true] = 1 } }",
       "ctx.state.t: a boolean key cannot be kept (keys are strings, or a list's 1..n)"},
      {"{ t = { [{}] = 1 } }",
       "ctx.state.t: a table key cannot be kept (keys are strings, or a list's 1..n)"},
      {"{ ['\\255'] = 1 }", "ctx.state: a key that is not valid UTF-8 cannot be kept"},
      {"{ s = 'a\\255' }", "ctx.state.s: a string that is not valid UTF-8 cannot be kept"},
      {"{ x = 0/0 }", "ctx.state.x: NaN and infinities cannot be kept"},
      {"{ f = print }", "ctx.state.f: a function cannot be kept"},
  };
  for (const auto& [expression, error] : refused) {
    INFO(expression);
    const Encoded e = encode(expression);
    CHECK_FALSE(e.json);
    CHECK(e.error == error);
  }
}

TEST_CASE("encoding never runs a metamethod of the policy's") {
  // Each metamethod would loop for ever if called.
  const Encoded e = encode(R"((function()
    local loop = function() while true do end end
    local mt = { __index = loop, __newindex = loop, __len = loop, __pairs = loop, __tostring = loop, __eq = loop, __lt = loop }
    return setmetatable({ a = setmetatable({ 1, 2 }, mt), b = 'x' }, mt)
  end)())");
  CHECK(e.json == R"({"a":[1,2],"b":"x"})");
}

TEST_CASE("what is kept reads back as it was written, NULs and all") {
  std::string error;
  for (const char* json : {R"({"a":[1,2,{"b":"c"}],"d":true})", "{\"a\\u0000b\":\"x\\u0000y\"}",
                           R"([1,"two",[3]])", R"({})"}) {
    INFO(json);
    CHECK(round_trip(json, error) == json);
  }
}

TEST_CASE("a kept state that is too deep, too large or not a table is refused, not pushed") {
  std::string error;
  CHECK_FALSE(round_trip(std::string(100, '[') + std::string(100, ']'), error));
  CHECK(error == "the kept state is nested deeper than 32");
  CHECK_FALSE(round_trip("5", error));
  CHECK(error == "the kept state is not a JSON object or list");
  CHECK_FALSE(round_trip("{\"a\":", error));
  CHECK(error == "the kept state is not a JSON object or list");
  std::string huge = "[";
  for (int i = 0; i < 100'001; ++i) huge += i ? ",1" : "1";
  CHECK_FALSE(round_trip(huge + "]", error));
  CHECK(error == "the kept state is too large or too deep");
}

TEST_CASE("a state of more than 100000 entries is refused with its path") {
  const Encoded e = encode(
      "(function() local t = {} for i = 1, 100001 do t[i] = i end return { big = t } end)()");
  CHECK_FALSE(e.json);
  CHECK(e.error == "ctx.state.big: more than 100000 entries");
}

// Lua keeps one copy of a string or table however often it is referenced; JSON writes it out
// at each place. The text is bounded, not only the entries.
TEST_CASE(
    "a state that would take more than 4 MiB as JSON is refused, however few entries it has") {
  Encoded e = encode(
      "(function() local s = ('x'):rep(1024 * 1024) local t = {} for i = 1, 5 do t[i] = s end "
      "return { t = t } end)()");
  CHECK_FALSE(e.json);
  CHECK(e.error ==
        "ctx.state.t[4]: the state would take more than 4 MiB as JSON (a table or string kept in "
        "many places is written out at each)");
  e = encode(
      "(function() local row = {} for i = 1, 50 do row[i] = ('y'):rep(1000) .. i end local t = {} "
      "for i = 1, 1000 do t[i] = row end return { t = t } end)()");
  CHECK_FALSE(
      e.json);  // 1000 references to one list of 50 strings: 50 MB of text in 51,000 entries
  CHECK(e.error.find("more than 4 MiB as JSON") != std::string::npos);
  e = encode("{ s = ('\\1'):rep(1024 * 1024) }");  // 1 MiB of control bytes is 6 MiB escaped:
                                                   // refused before it is copied
  CHECK_FALSE(e.json);
  CHECK(e.error.find("more than 4 MiB as JSON") != std::string::npos);
  e = encode("{ s = ('x'):rep(3 * 1024 * 1024) }");  // one big string within the bound is kept
  REQUIRE(e.json);
  CHECK(e.json->size() == 3 * 1024 * 1024 + 8);
}

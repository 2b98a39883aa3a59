// The sandbox environment, built as an allow-list (after Wikimedia LuaSandbox's library.c):
// each function a policy gets is named here, and each one left out says why. The file is
// over 400 lines because the allow-list and the wrappers that keep C calls within the deadline
// (pcall, format, sort, find, os.time and os.date) must be reviewed together.
#include "setpoint/bindings/library.hpp"

#include <cmath>
#include <cstring>
#include <ctime>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "evaluation.hpp"
#include "stats_library.hpp"

namespace setpoint::bindings {

char kDeadlineSentinel = 0;

namespace {

// Base functions kept. Left out:
//   getfenv, setfenv  reach the environment of any function, C functions included: an escape
//   load, loadstring, loadfile, dofile  load code at run time, bytecode included (LuaJIT
//                     bytecode is not verified and can corrupt memory)
//   module, require   the real ones search the file system (require is replaced below)
//   collectgarbage    can stop the collector (memory) or force full collections (time)
//   newproxy          userdata with __gc: code that runs during collection, outside deadlines
//   print             writes to the host's stdout; policies log through ctx
//   gcinfo            reports host memory; nothing a policy needs
const char* const kBase[] = {"assert",   "error",  "ipairs",       "next",         "pairs",
                             "rawequal", "rawget", "rawset",       "select",       "tonumber",
                             "type",     "unpack", "setmetatable", "getmetatable", nullptr};

// string: kept without
//   dump              turns functions into bytecode (see load)
//   match, gmatch, gsub  Lua patterns backtrack inside C, where no hook can stop them
//                     (string.find stays, plain text only)
// and format is wrapped: %s and %q of a table, function, thread or userdata, and %p of
// anything, print what tostring prints (the type), never an address — an address is what an
// attacker of the host's memory needs first.
const char* const kString[] = {"byte", "char",    "format", "len",   "lower",
                               "rep",  "reverse", "sub",    "upper", nullptr};

// table: kept without foreach, foreachi, setn, getn (Lua 5.0 leftovers); sort is capped.
const char* const kTable[] = {"concat", "insert", "maxn", "remove", nullptr};

// math: all but randomseed (random is seeded per policy, so runs are reproducible).
const char* const kMath[] = {"abs",  "acos", "asin",  "atan", "atan2", "ceil",   "cos", "cosh",
                             "deg",  "exp",  "floor", "fmod", "frexp", "ldexp",  "log", "log10",
                             "max",  "min",  "modf",  "pow",  "rad",   "random", "sin", "sinh",
                             "sqrt", "tan",  "tanh",  "huge", "pi",    nullptr};

// os: only the clock and calendar. Left out: execute, exit, getenv, remove, rename, tmpname,
// setlocale — they reach the process or the file system. time and date are replaced: they
// read the engine's clock (the events' time in replay, the simulated time in simulate), never
// the host's, and the calendar is always UTC.
const char* const kOs[] = {"time", "clock", "date", "difftime", nullptr};

// coroutine: kept; resume is wrapped so limits raised inside a coroutine stay raised.
const char* const kCoroutine[] = {"create", "running", "status", "wrap", "yield", nullptr};

// Not opened at all: io (files), debug (reaches into everything), package (file system and C
// modules), ffi (raw memory), jit (turns the JIT back on, past the hook), bit is harmless but
// unneeded.

void copy_fields(lua_State* L, int from, int to, const char* const* names) {
  for (; *names != nullptr; ++names) {
    lua_getfield(L, from, *names);
    lua_setfield(L, to, *names);
  }
}

// True when the error on top of the stack must not be caught; a deadline error is then made
// the sentinel again, whatever wrapped it on the way.
bool is_limit_error(lua_State* L, int status) {
  if (deadline_was_passed(L)) {
    lua_pop(L, 1);
    lua_pushlightuserdata(L, &kDeadlineSentinel);
    return true;
  }
  if (status == LUA_ERRMEM) return true;
  return lua_touserdata(L, -1) == &kDeadlineSentinel;
}

// pcall and xpcall that catch ordinary errors but let limits through.
int safe_pcall(lua_State* L) {
  luaL_checkany(L, 1);
  const int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  if (status != 0 && is_limit_error(L, status)) return lua_error(L);
  lua_pushboolean(L, status == 0);
  lua_insert(L, 1);
  return lua_gettop(L);
}

int safe_xpcall(lua_State* L) {
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_insert(L, 1);  // handler, function
  const int status = lua_pcall(L, 0, LUA_MULTRET, 1);
  if (status != 0 && is_limit_error(L, status)) return lua_error(L);
  lua_pushboolean(L, status == 0);
  lua_replace(L, 1);
  return lua_gettop(L);
}

int safe_resume(lua_State* L) {
  lua_State* co = lua_tothread(L, 1);
  luaL_argcheck(L, co != nullptr, 1, "coroutine expected");
  const int nargs = lua_gettop(L) - 1;
  if (!lua_checkstack(co, nargs)) return luaL_error(L, "too many arguments to resume");
  if (lua_status(co) == 0 && lua_gettop(co) == 0) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "cannot resume dead coroutine");
    return 2;
  }
  lua_xmove(L, co, nargs);
  const int status = lua_resume(co, nargs);
  if (status == 0 || status == LUA_YIELD) {
    const int nres = lua_gettop(co);
    if (!lua_checkstack(L, nres + 1)) return luaL_error(L, "too many results to resume");
    lua_pushboolean(L, 1);
    lua_xmove(co, L, nres);
    return nres + 1;
  }
  lua_xmove(co, L, 1);  // the error
  if (is_limit_error(L, status)) return lua_error(L);
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  return 2;
}

// tostring without addresses: tables, functions, threads and userdata print as their type.
int safe_tostring(lua_State* L) {
  luaL_checkany(L, 1);
  switch (lua_type(L, 1)) {
    case LUA_TNUMBER:
    case LUA_TSTRING:
    case LUA_TBOOLEAN:
    case LUA_TNIL:
      lua_getfield(L, lua_upvalueindex(1), "tostring");
      lua_pushvalue(L, 1);
      lua_call(L, 1, 1);
      return 1;
    default: lua_pushstring(L, luaL_typename(L, 1)); return 1;
  }
}

// string.format(fmt, ...) without addresses: %p of anything, and %s or %q of what is neither
// a string nor a number, become %s of the type's name (what the sandbox's tostring prints).
int safe_format(lua_State* L) {
  std::size_t n = 0;
  const char* f = luaL_checklstring(L, 1, &n);
  std::string rewritten;   // the format with each hiding conversion made a plain %s
  std::size_t copied = 0;  // f[0, copied) is in `rewritten`
  int arg = 1;
  std::size_t bytes = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (f[i] != '%') continue;
    if (i + 1 < n && f[i + 1] == '%') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < n && std::strchr("-+ #0123456789.", f[j]) != nullptr) ++j;
    if (j >= n) break;  // a format cut short: the real format says so
    const char conversion = f[j];
    const int type = lua_type(L, ++arg);
    if (type == LUA_TSTRING) bytes += lua_objlen(L, arg);
    const bool plain = type == LUA_TSTRING || type == LUA_TNUMBER;
    if ((conversion == 'p' || ((conversion == 's' || conversion == 'q') && !plain)) &&
        arg <= lua_gettop(L)) {
      if (plain) {  // %p of a string or number: the value itself
        lua_pushvalue(L, arg);
        lua_tostring(L, -1);
      } else if (type == LUA_TBOOLEAN) {
        lua_pushstring(L, lua_toboolean(L, arg) ? "true" : "false");
      } else {
        lua_pushstring(L, luaL_typename(L, arg));
      }
      lua_replace(L, arg);
      // %s keeps its width and precision; %q and %p flags mean nothing to %s: dropped.
      rewritten.append(f + copied, (conversion == 's' ? j : i + 1) - copied);
      rewritten += 's';
      copied = j + 1;
    }
    i = j;
  }
  charge(L, bytes);
  if (copied > 0) {
    rewritten.append(f + copied, n - copied);
    lua_pushlstring(L, rewritten.data(), rewritten.size());
    lua_replace(L, 1);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

// The engine's time of the evaluation in progress, in whole seconds; a Lua error outside one.
lua_Number engine_seconds(lua_State* L) {
  auto* const* current = static_cast<Evaluation* const*>(lua_touserdata(L, lua_upvalueindex(1)));
  if (*current == nullptr)
    luaL_error(L, "the engine's clock is read only during an evaluation (ctx:now())");
  return std::floor(static_cast<lua_Number>((*current)->inputs->now) / kNanosPerSecond);
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long long days_from_civil(long long y, long long m, long long d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

lua_Number date_field(lua_State* L, const char* key, lua_Number fallback) {
  lua_getfield(L, 1, key);
  const bool given = lua_type(L, -1) == LUA_TNUMBER;
  const lua_Number value = given ? lua_tonumber(L, -1) : fallback;
  lua_pop(L, 1);
  if (!given && fallback < 0) luaL_error(L, "os.time: field '%s' missing in date table", key);
  if (!std::isfinite(value) || std::abs(value) > 1e12)
    luaL_error(L, "os.time: field '%s' is out of range", key);
  return std::floor(value);
}

// os.time([date]): the engine's now, or the date table's time read as UTC (fields past their
// range carry over, as C's mktime does).
int engine_time(lua_State* L) {
  if (lua_isnoneornil(L, 1)) {
    lua_pushnumber(L, engine_seconds(L));
    return 1;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  const auto year = static_cast<long long>(date_field(L, "year", -1));
  const auto month = static_cast<long long>(date_field(L, "month", -1)) - 1;
  const long long y = year + (month >= 0 ? month / 12 : (month - 11) / 12);
  const long long m = month - (y - year) * 12 + 1;
  if (std::abs(y) > 1'000'000) return luaL_error(L, "os.time: year out of range");
  const lua_Number days =
      static_cast<lua_Number>(days_from_civil(y, m, 1)) + date_field(L, "day", -1) - 1;
  lua_pushnumber(L, days * 86400 + date_field(L, "hour", 12) * 3600 + date_field(L, "min", 0) * 60 +
                        date_field(L, "sec", 0));
  return 1;
}

// os.date([format [, time]]): the engine's now by default, always UTC ("!" is accepted and
// changes nothing); "*t" gives the table os.time reads.
int engine_date(lua_State* L) {
  std::size_t n = 0;
  const char* format = luaL_optlstring(L, 1, "%c", &n);
  const lua_Number seconds = lua_isnoneornil(L, 2) ? engine_seconds(L) : luaL_checknumber(L, 2);
  if (!std::isfinite(seconds) || std::abs(seconds) > 1e15)
    return luaL_error(L, "os.date: time out of range");
  if (n > 0 && format[0] == '!') {
    ++format;
    --n;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return luaL_error(L, "os.date: time out of range");
  if (n >= 2 && format[0] == '*' && format[1] == 't') {
    lua_createtable(L, 0, 9);
    const std::pair<const char*, int> fields[] = {
        {"year", tm.tm_year + 1900}, {"month", tm.tm_mon + 1}, {"day", tm.tm_mday},
        {"hour", tm.tm_hour},        {"min", tm.tm_min},       {"sec", tm.tm_sec},
        {"wday", tm.tm_wday + 1},    {"yday", tm.tm_yday + 1}};
    for (const auto& [key, value] : fields) {
      lua_pushinteger(L, value);
      lua_setfield(L, -2, key);
    }
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "isdst");
    return 1;
  }
  charge(L, n * 64);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (std::size_t i = 0; i < n; ++i) {
    if (format[i] != '%' || i + 1 == n) {
      luaL_addchar(&b, format[i]);
      continue;
    }
    const char spec[3] = {'%', format[++i], '\0'};
    char out[128];
    const std::size_t written = std::strftime(out, sizeof out, spec, &tm);
    luaL_addlstring(&b, out, written);
  }
  luaL_pushresult(&b);
  return 1;
}

// string.find, plain text only: (s, needle [, init]) -> start, end | nil.
int plain_find(lua_State* L) {
  std::size_t ls = 0, lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  lua_Integer init = luaL_optinteger(L, 3, 1);
  if (init < 0) init = static_cast<lua_Integer>(ls) + init + 1;
  if (init < 1) init = 1;
  if (static_cast<std::size_t>(init) > ls + 1) {
    lua_pushnil(L);
    return 1;
  }
  const char* start = s + init - 1;
  const std::size_t left = ls - static_cast<std::size_t>(init - 1);
  charge(L, left);
  const void* hit = lp == 0 ? start : memmem(start, left, p, lp);
  if (hit == nullptr) {
    lua_pushnil(L);
    return 1;
  }
  const auto at = static_cast<const char*>(hit) - s;
  lua_pushinteger(L, at + 1);
  lua_pushinteger(L, at + static_cast<lua_Integer>(lp));
  return 2;
}

int capped_sort(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const std::size_t n = lua_objlen(L, 1);
  if (n > static_cast<std::size_t>(kMaxSortSize)) {
    return luaL_error(L, "table.sort: more than %d elements", kMaxSortSize);
  }
  charge(L, n * 17 * 8);  // n log n comparisons, each a few bytes' worth of work
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 0);
  return 0;
}

// require(name): a stdlib module, compiled in this sandbox on first use and cached. The real
// require is left out (it searches the file system and loads C modules).
int sandbox_require(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  const int loaded = lua_upvalueindex(2);
  lua_getfield(L, loaded, name);
  if (!lua_isnil(L, -1)) return 1;
  lua_pop(L, 1);
  const auto* stdlib = static_cast<const Stdlib*>(lua_touserdata(L, lua_upvalueindex(1)));
  const auto it = stdlib == nullptr ? Stdlib::const_iterator{} : stdlib->find(name);
  if (stdlib == nullptr || it == stdlib->end()) {
    return luaL_error(L, "require: no module %s (only the setpoint.* stdlib can be required)",
                      name);
  }
  std::string chunk = "=";
  chunk += name;
  if (luaL_loadbufferx(L, it->second.data(), it->second.size(), chunk.c_str(), "t") != 0)
    return lua_error(L);
  // A module with a native half gets it as its argument (`local native = ...`); policies
  // never see it except through what the module returns.
  int arguments = 0;
  if (std::strcmp(name, "setpoint.stats") == 0) {
    push_stats_library(L);
    arguments = 1;
  }
  lua_call(L, arguments, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, loaded, name);
  return 1;
}

// A table of `names` copied from the library table at `lib`, made read-only for the policy
// by being a fresh copy (changing it changes nothing the host uses).
void sub_library(lua_State* L, int env, int lib, const char* name, const char* const* names) {
  lua_newtable(L);
  copy_fields(L, lib, lua_gettop(L), names);
  lua_setfield(L, env, name);
}

// env[library][name] = fn: a sandboxed version in place of the real one.
void replace_in(lua_State* L, int env, const char* library, const char* name, lua_CFunction fn) {
  lua_getfield(L, env, library);
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

}  // namespace

void charge(lua_State* L, std::size_t bytes) {
  thread_local std::size_t since_check = 0;
  since_check += bytes;
  if (since_check < (1u << 20)) return;
  since_check = 0;
  if (past_deadline(L)) {
    mark_deadline_passed(L);
    lua_pushlightuserdata(L, &kDeadlineSentinel);
    lua_error(L);
  }
}

void open_sandbox(lua_State* L, std::uint64_t seed, const Stdlib* stdlib,
                  Evaluation* const* current) {
  const lua_CFunction openers[] = {luaopen_base, luaopen_string, luaopen_table, luaopen_math,
                                   luaopen_os};
  for (lua_CFunction open : openers) {
    lua_pushcfunction(L, open);
    lua_call(L, 0, 0);
  }
  const int globals = LUA_GLOBALSINDEX;
  lua_newtable(L);
  const int env = lua_gettop(L);

  copy_fields(L, globals, env, kBase);
  lua_pushvalue(L, globals);
  lua_pushcclosure(L, safe_tostring, 1);
  lua_setfield(L, env, "tostring");
  lua_pushcfunction(L, safe_pcall);
  lua_setfield(L, env, "pcall");
  lua_pushcfunction(L, safe_xpcall);
  lua_setfield(L, env, "xpcall");
  lua_pushliteral(L, "Lua 5.1");
  lua_setfield(L, env, "_VERSION");
  lua_pushlightuserdata(L, const_cast<Stdlib*>(stdlib));
  lua_newtable(L);
  lua_pushcclosure(L, sandbox_require, 2);
  lua_setfield(L, env, "require");

  lua_getfield(L, globals, "string");
  sub_library(L, env, lua_gettop(L), "string", kString);
  lua_pop(L, 1);
  replace_in(L, env, "string", "find", plain_find);
  lua_getfield(L, env, "string");
  lua_getfield(L, -1, "format");
  lua_pushcclosure(L, safe_format, 1);
  lua_setfield(L, -2, "format");
  lua_pop(L, 1);

  lua_getfield(L, globals, "table");
  sub_library(L, env, lua_gettop(L), "table", kTable);
  lua_getfield(L, -1, "sort");
  lua_getfield(L, env, "table");
  lua_insert(L, -2);
  lua_pushcclosure(L, capped_sort, 1);
  lua_setfield(L, -2, "sort");
  lua_pop(L, 2);

  lua_getfield(L, globals, "math");
  lua_getfield(L, -1, "randomseed");
  lua_pushnumber(L, static_cast<lua_Number>(seed % 2147483647));
  lua_call(L, 1, 0);
  sub_library(L, env, lua_gettop(L), "math", kMath);
  lua_pop(L, 1);

  lua_getfield(L, globals, "os");
  sub_library(L, env, lua_gettop(L), "os", kOs);
  lua_pop(L, 1);
  lua_getfield(L, env, "os");
  const std::pair<const char*, lua_CFunction> clock_functions[] = {{"time", engine_time},
                                                                   {"date", engine_date}};
  for (const auto& [name, fn] : clock_functions) {
    lua_pushlightuserdata(L, const_cast<Evaluation**>(current));
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
  }
  lua_pop(L, 1);

  lua_getfield(L, globals, "coroutine");
  sub_library(L, env, lua_gettop(L), "coroutine", kCoroutine);
  lua_pop(L, 1);
  replace_in(L, env, "coroutine", "resume", safe_resume);

  // Strings share one metatable per state: its __index becomes the sandbox's string table
  // (so ("x"):gsub is as absent as string.gsub), and __metatable hides it from getmetatable.
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_getfield(L, env, "string");
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");
  lua_replace(L, globals);  // the sandbox is now the only globals table
}

}  // namespace setpoint::bindings

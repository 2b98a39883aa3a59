// setpoint.stats for policies: the arrays a policy hands over are hostile like any policy
// value, so each is read raw (no __index or __len runs in the host), bounded in size, checked
// value by value, and charged against the deadline before the work starts.
#include "stats_library.hpp"

#include <cmath>
#include <string>
#include <vector>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "setpoint/bindings/library.hpp"
#include "setpoint/stats/comparison.hpp"

namespace setpoint::bindings {
namespace {

// The array at `index` as a sample, or a Lua error naming `fn` and `what` and the place.
stats::Sample sample_arg(lua_State* L, int index, const char* fn, const char* what) {
  if (!lua_istable(L, index)) luaL_error(L, "%s: %s must be an array of numbers", fn, what);
  const std::size_t n = lua_objlen(L, index);  // raw: __len is not consulted
  if (n == 0) luaL_error(L, "%s: %s is empty", fn, what);
  if (n > static_cast<std::size_t>(kMaxStatsSample))
    luaL_error(L, "%s: %s has more than %d values", fn, what, kMaxStatsSample);
  charge(L, n * 64);  // the sort, the ranks and the selections: a few passes of n log n
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    lua_rawgeti(L, index, static_cast<int>(i + 1));
    if (lua_type(L, -1) != LUA_TNUMBER) {
      luaL_error(L, "%s: %s[%d] is %s, not a number", fn, what, static_cast<int>(i + 1),
                 luaL_typename(L, -1));
    }
    values[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!std::isfinite(values[i]))
      luaL_error(L, "%s: %s[%d] is not a finite number", fn, what, static_cast<int>(i + 1));
  }
  // Finite values can still be beyond double precision together (1e200 and -1e200).
  auto sample = stats::Sample::of(std::move(values), what);
  if (!sample) luaL_error(L, "%s: %s", fn, sample.error().c_str());
  return std::move(sample).value();
}

void set_number(lua_State* L, const char* key, double value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, key);
}

void push_quantiles(lua_State* L, const stats::Quantiles& q) {
  lua_createtable(L, 0, 4);
  set_number(L, "p50", q.p50);
  set_number(L, "p90", q.p90);
  set_number(L, "p95", q.p95);
  set_number(L, "p99", q.p99);
}

void set_mann_whitney(lua_State* L, const stats::MannWhitney& t) {
  set_number(L, "n_control", static_cast<double>(t.n_control));
  set_number(L, "n_canary", static_cast<double>(t.n_canary));
  set_number(L, "u", t.u);
  set_number(L, "p_two_sided", t.p_two_sided);
  set_number(L, "p_greater", t.p_greater);
  set_number(L, "p_less", t.p_less);
  if (t.p_two_sided_exact) set_number(L, "p_two_sided_exact", *t.p_two_sided_exact);
  lua_pushboolean(L, t.ties);
  lua_setfield(L, -2, "ties");
}

void push_welch(lua_State* L, const stats::Welch& t) {
  lua_createtable(L, 0, 3);
  set_number(L, "t", t.t);
  set_number(L, "p", t.p);
  set_number(L, "df", t.df);
}

void push_shift(lua_State* L, const stats::ShiftEstimate& s) {
  lua_createtable(L, 0, 4);
  set_number(L, "estimate", s.estimate);
  set_number(L, "lo", s.lo);
  set_number(L, "hi", s.hi);
  set_number(L, "level", s.level);
}

double level_arg(lua_State* L, int index, const char* fn) {
  if (lua_isnoneornil(L, index)) return 0.95;
  const double level = lua_type(L, index) == LUA_TNUMBER ? lua_tonumber(L, index) : NAN;
  if (!(level > 0 && level < 1)) luaL_error(L, "%s: level must be a number between 0 and 1", fn);
  return level;
}

int mann_whitney(lua_State* L) {
  const auto control = sample_arg(L, 1, "stats.mann_whitney", "control");
  const auto canary = sample_arg(L, 2, "stats.mann_whitney", "canary");
  const auto test = stats::mann_whitney(control, canary);
  lua_createtable(L, 0, 8);
  set_mann_whitney(L, test);
  return 1;
}

// A table, or nil and why the test is not defined.
int welch(lua_State* L) {
  const auto control = sample_arg(L, 1, "stats.welch", "control");
  const auto canary = sample_arg(L, 2, "stats.welch", "canary");
  const auto test = stats::welch(control, canary);
  if (!test) {
    lua_pushnil(L);
    lua_pushlstring(L, test.error().data(), test.error().size());
    return 2;
  }
  push_welch(L, *test);
  return 1;
}

int hodges_lehmann(lua_State* L) {
  const auto control = sample_arg(L, 1, "stats.hodges_lehmann", "control");
  const auto canary = sample_arg(L, 2, "stats.hodges_lehmann", "canary");
  const double level = level_arg(L, 3, "stats.hodges_lehmann");
  push_shift(L, stats::hodges_lehmann(control, canary, level));
  return 1;
}

int quantile(lua_State* L) {
  const auto values = sample_arg(L, 1, "stats.quantile", "values");
  const double q = lua_type(L, 2) == LUA_TNUMBER ? lua_tonumber(L, 2) : NAN;
  if (!(q >= 0 && q <= 1)) luaL_error(L, "stats.quantile: q must be a number from 0 to 1");
  lua_pushnumber(L, stats::quantile(values, q));
  return 1;
}

int quantiles(lua_State* L) {
  push_quantiles(L, stats::summary_quantiles(sample_arg(L, 1, "stats.quantiles", "values")));
  return 1;
}

// Everything `setpoint compare --json` prints, in the same names.
int compare(lua_State* L) {
  const auto control = sample_arg(L, 1, "stats.compare", "control");
  const auto canary = sample_arg(L, 2, "stats.compare", "canary");
  const auto c = stats::compare(control, canary);
  lua_createtable(L, 0, 12);
  set_mann_whitney(L, c.mann_whitney);
  if (c.welch) {
    push_welch(L, *c.welch);
    lua_setfield(L, -2, "welch");
  } else {
    lua_pushlstring(L, c.welch.error().data(), c.welch.error().size());
    lua_setfield(L, -2, "welch_error");
  }
  set_number(L, "hodges_lehmann", c.hodges_lehmann.estimate);
  lua_createtable(L, 2, 0);
  lua_pushnumber(L, c.hodges_lehmann.lo);
  lua_rawseti(L, -2, 1);
  lua_pushnumber(L, c.hodges_lehmann.hi);
  lua_rawseti(L, -2, 2);
  lua_setfield(L, -2, "hl_ci");
  lua_createtable(L, 0, 2);
  push_quantiles(L, c.control);
  lua_setfield(L, -2, "control");
  push_quantiles(L, c.canary);
  lua_setfield(L, -2, "canary");
  lua_setfield(L, -2, "quantiles");
  return 1;
}

}  // namespace

void push_stats_library(lua_State* L) {
  static const luaL_Reg kFunctions[] = {{"mann_whitney", mann_whitney},
                                        {"welch", welch},
                                        {"hodges_lehmann", hodges_lehmann},
                                        {"quantile", quantile},
                                        {"quantiles", quantiles},
                                        {"compare", compare},
                                        {nullptr, nullptr}};
  lua_createtable(L, 0, 6);
  for (const luaL_Reg* f = kFunctions; f->name != nullptr; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
}

}  // namespace setpoint::bindings

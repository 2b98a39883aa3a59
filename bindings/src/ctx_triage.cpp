// What a policy that reviews the past uses beside the record's reads: a parameter's bounds,
// bounds patches for a person to approve, and a triage run's window and report. Every table a
// policy hands over is read raw and every value bounded.
extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "ctx_args.hpp"
#include "setpoint/bindings/library.hpp"
#include "setpoint/bindings/state_codec.hpp"

namespace setpoint::bindings::ctx {
namespace {

constexpr std::size_t kMaxReportBytes = 1u << 20;

void set_number(lua_State* L, const char* key, double value) {
  lua_pushstring(L, key);
  lua_pushnumber(L, value);
  lua_rawset(L, -3);
}

// A range given as { lo, hi } or { min = lo, max = hi }, read raw.
std::pair<double, double> range_arg(lua_State* L, int index) {
  if (!lua_istable(L, index))
    luaL_error(L, "ctx:suggest_bounds: the bounds must be a table like { 80, 120 }");
  lua_rawgeti(L, index, 1);
  lua_rawgeti(L, index, 2);
  if (lua_isnil(L, -2) && lua_isnil(L, -1)) {
    lua_pop(L, 2);
    raw_field(L, index, "min");
    raw_field(L, index, "max");
  }
  if (lua_isnil(L, -2) || lua_isnil(L, -1))
    luaL_error(L, "ctx:suggest_bounds: the bounds need both a min and a max, like { 80, 120 }");
  const double min = number_arg(L, lua_gettop(L) - 1, "ctx:suggest_bounds: the min");
  const double max = number_arg(L, lua_gettop(L), "ctx:suggest_bounds: the max");
  lua_pop(L, 2);
  return {min, max};
}

}  // namespace

int ctx_bounds(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string_view name = text_view(L, 2, "ctx:bounds: the name");
  const auto b = e.inputs->bounds ? e.inputs->bounds(name) : std::nullopt;
  if (!b)
    return luaL_error(L, "ctx:bounds: no numeric parameter %s in config", shown(L, 2).c_str());
  lua_createtable(L, 0, 4);
  set_number(L, "value", b->value);
  set_number(L, "min", b->min);
  set_number(L, "max", b->max);
  if (b->operating_min && b->operating_max) {
    lua_pushliteral(L, "operating");
    lua_createtable(L, 0, 3);
    set_number(L, "min", *b->operating_min);
    set_number(L, "max", *b->operating_max);
    lua_pushliteral(L, "frozen");
    lua_pushboolean(L, b->frozen);
    lua_rawset(L, -3);
    lua_rawset(L, -3);
  }
  return 1;
}

int ctx_suggest_bounds(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string name = text_arg(L, 2, "ctx:suggest_bounds: the parameter");
  const auto [min, max] = range_arg(L, 3);
  Proposal p = Proposal::bounds({}, name, min, max);
  if (!lua_isnoneornil(L, 4)) {
    if (!lua_istable(L, 4))
      return luaL_error(L,
                        "ctx:suggest_bounds: options must be a table like { rationale = \"...\", "
                        "confidence = 0.8 }");
    raw_field(L, 4, "rationale");
    if (!lua_isnil(L, -1)) p.reason = text_arg(L, -1, "ctx:suggest_bounds: rationale");
    lua_pop(L, 1);
    raw_field(L, 4, "confidence");
    if (!lua_isnil(L, -1)) {
      const double c = number_arg(L, -1, "ctx:suggest_bounds: confidence");
      if (c < 0 || c > 1)
        return luaL_error(L, "ctx:suggest_bounds: confidence must be between 0 and 1");
      p.confidence = c;
    }
    lua_pop(L, 1);
  }
  if (e.outputs->proposals.size() >= kMaxProposals)
    return luaL_error(L, "more than %d proposals in one evaluation",
                      static_cast<int>(kMaxProposals));
  e.outputs->proposals.push_back(std::move(p));
  return 0;
}

int ctx_period(lua_State* L) {
  Evaluation& e = evaluation(L);
  if (e.inputs->period_start <= 0)
    return luaL_error(L, "ctx:period: only a triage policy (triage = true) has a period");
  lua_pushnumber(L, static_cast<double>(e.inputs->period_start) / kNanosPerSecond);
  lua_pushnumber(L, static_cast<double>(e.inputs->now) / kNanosPerSecond);
  return 2;
}

int ctx_report(lua_State* L) {
  Evaluation& e = evaluation(L);
  if (e.inputs->period_start <= 0)
    return luaL_error(L, "ctx:report: only a triage policy (triage = true) writes a report");
  if (e.outputs->report) return luaL_error(L, "ctx:report: one report a run");
  if (!lua_istable(L, 2))
    return luaL_error(L, "ctx:report: the report must be a table like { categories = {...} }");
  auto json = encode_state(L, 2, "ctx:report");
  if (!json) return luaL_error(L, "%s", json.error().c_str());
  charge(L, json->size());  // the encoding is C work the count hook cannot see
  if (json->size() > kMaxReportBytes)
    return luaL_error(L, "ctx:report: the report would take more than 1 MiB");
  if (json->front() != '{')
    return luaL_error(L, "ctx:report: the report must be a table of named fields, not a list");
  e.outputs->report = std::move(*json);
  return 0;
}

}  // namespace setpoint::bindings::ctx

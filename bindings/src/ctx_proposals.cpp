// ctx's proposals and outputs: set (with an autopilot change's expected impact), act, alert
// and log. Every table a policy hands over is read raw and every value bounded.
#include <cmath>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <vector>

#include "ctx_args.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/windows/series.hpp"
#include "setpoint/windows/window_stat.hpp"

namespace setpoint::bindings::ctx {
namespace {

std::string reason_opt(lua_State* L, int index) {
  if (lua_isnoneornil(L, index)) return {};
  if (!lua_istable(L, index)) luaL_error(L, "options must be a table like { reason = \"...\" }");
  lua_pushliteral(L, "reason");
  lua_rawget(L, index);
  std::string reason = lua_isnil(L, -1) ? std::string() : text_arg(L, -1, "reason");
  lua_pop(L, 1);
  return reason;
}

// ctx:set's expected = { metric =, labels =, stat =, change =, better = "lower" | "higher" }
// at the top of the stack: what an autopilot change predicts.
Expected expected_arg(lua_State* L) {
  const int t = lua_gettop(L);
  if (!lua_istable(L, t))
    luaL_error(L,
               "ctx:set: expected must be a table like { metric = ..., stat = \"p99\", "
               "change = -0.08 }");
  Expected out;
  raw_field(L, t, "metric");
  const std::string_view metric = text_view(L, -1, "ctx:set: expected.metric");
  std::vector<LabelView> labels;  // views into strings the labels table keeps alive
  raw_field(L, t, "labels");
  const int labels_at = lua_gettop(L);
  if (!lua_isnil(L, labels_at)) {
    if (!lua_istable(L, labels_at))
      luaL_error(L, "ctx:set: expected.labels must be a table of name = value");
    lua_pushnil(L);
    while (lua_next(L, labels_at) != 0) {
      if (labels.size() >= 64) luaL_error(L, "ctx:set: expected.labels: more than 64 labels");
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "ctx:set: expected.labels must map strings to strings");
      std::size_t nn = 0, vn = 0;
      const char* name = lua_tolstring(L, -2, &nn);
      const char* value = lua_tolstring(L, -1, &vn);
      labels.emplace_back(std::string_view(name, nn), std::string_view(value, vn));
      lua_pop(L, 1);
    }
  }
  append_series_key(out.series, metric, labels);
  out.series = utf8::printable(out.series, kMaxTextBytes);
  raw_field(L, t, "stat");
  const std::string stat = text_arg(L, -1, "ctx:set: expected.stat");
  if (find_window_stat(stat) == nullptr)
    luaL_error(L, "ctx:set: expected.stat \"%s\" is not one of %s", stat.c_str(),
               window_stat_names().c_str());
  out.stat = stat;
  raw_field(L, t, "change");
  out.change = number_arg(L, -1, "ctx:set: expected.change");
  raw_field(L, t, "better");
  if (!lua_isnil(L, -1)) {
    const std::string better = text_arg(L, -1, "ctx:set: expected.better");
    if (better != "lower" && better != "higher")
      luaL_error(L, "ctx:set: expected.better must be \"lower\" or \"higher\"");
    out.higher_is_worse = better == "lower";
  }
  lua_settop(L, t);
  return out;
}

// ctx:set's options at `index`: { reason =, expected =, confidence = }.
void set_options(lua_State* L, int index, Proposal& p) {
  p.reason = reason_opt(L, index);
  if (lua_isnoneornil(L, index)) return;
  raw_field(L, index, "expected");
  if (!lua_isnil(L, -1)) p.expected = expected_arg(L);
  lua_pop(L, 1);
  raw_field(L, index, "confidence");
  if (!lua_isnil(L, -1)) {
    const double c = number_arg(L, -1, "ctx:set: confidence");
    if (c < 0 || c > 1) luaL_error(L, "ctx:set: confidence must be between 0 and 1");
    p.confidence = c;
  }
  lua_pop(L, 1);
}
void add_proposal(lua_State* L, Evaluation& e, Proposal p) {
  if (e.outputs->proposals.size() >= kMaxProposals)
    luaL_error(L, "more than %d proposals in one evaluation", static_cast<int>(kMaxProposals));
  e.outputs->proposals.push_back(std::move(p));
}

}  // namespace

int ctx_set(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string name = text_arg(L, 2, "ctx:set: the parameter");
  if (lua_isnoneornil(L, 3)) return luaL_error(L, "ctx:set: no value for %s", name.c_str());
  ProposedValue value = value_arg(L, 3, "ctx:set: the value");
  Proposal p = Proposal::set({}, name, std::move(value));
  set_options(L, 4, p);
  add_proposal(L, e, std::move(p));
  return 0;
}

int ctx_act(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string name = text_arg(L, 2, "ctx:act: the action");
  std::vector<std::pair<std::string, ProposedValue>> args;
  if (!lua_isnoneornil(L, 3)) {
    if (!lua_istable(L, 3))
      return luaL_error(L, "ctx:act: arguments must be a table of name = value");
    lua_pushnil(L);
    while (lua_next(L, 3) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING)
        return luaL_error(L, "ctx:act: argument names must be strings");
      if (args.size() >= 64) return luaL_error(L, "ctx:act: more than 64 arguments");
      const std::string arg = text_arg(L, -2, "ctx:act: an argument's name");
      args.emplace_back(arg, value_arg(L, lua_gettop(L), "ctx:act: an argument"));
      lua_pop(L, 1);
    }
  }
  add_proposal(L, e, Proposal::act({}, name, std::move(args), reason_opt(L, 4)));
  return 0;
}

int ctx_alert(lua_State* L) {
  Evaluation& e = evaluation(L);
  if (e.outputs->alerts.size() >= kMaxProposals)
    return luaL_error(L, "more than %d alerts in one evaluation", static_cast<int>(kMaxProposals));
  e.outputs->alerts.push_back(text_arg(L, 2, "ctx:alert: the message"));
  return 0;
}

int ctx_log(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string line = text_arg(L, 2, "ctx:log: the message");
  // Rate-limited, silently past the limit but counted in the last line.
  if (e.outputs->logs.size() < kMaxLogs)
    e.outputs->logs.push_back(line);
  else if (e.outputs->logs.size() == kMaxLogs)
    e.outputs->logs.push_back("(further log lines dropped this evaluation)");
  return 0;
}

}  // namespace setpoint::bindings::ctx

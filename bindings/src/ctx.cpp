// The ctx API given to policies (see context.hpp for the contract).
#include <cmath>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <iterator>
#include <vector>

#include "ctx_args.hpp"
#include "evaluation.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/windows/series.hpp"
#include "setpoint/windows/window_stat.hpp"

namespace setpoint::bindings {
namespace {

using namespace ctx;

// The window table's field names, interned once per ctx and kept in ctx_window's upvalue 2:
// "count" at 1, each of kWindowStats (by its policy name) at 2.., "outcomes" last.
constexpr int kCountField = 1;
constexpr int kFirstStatField = 2;
constexpr int kOutcomesField = kFirstStatField + static_cast<int>(std::size(kWindowStats));

// The canonical key of the series named by the metric at 2 and the labels table at 3, built
// into a buffer reused from call to call. `fn` names the ctx function in errors.
const std::string& series_key_arg(lua_State* L, const char* fn) {
  const int top = lua_gettop(L);
  // Checked here rather than by text_view, so the message names `fn` without building it.
  if (lua_type(L, 2) != LUA_TSTRING) luaL_error(L, "%s: the metric must be a string", fn);
  std::size_t length = 0;
  const char* text = lua_tolstring(L, 2, &length);
  if (length > kMaxTextBytes)
    luaL_error(L, "%s: the metric is longer than %d bytes", fn, static_cast<int>(kMaxTextBytes));
  const std::string_view metric(text, length);
  // Label views point into strings on the Lua stack, kept there until the key is built.
  std::vector<LabelView> labels;
  if (!lua_isnoneornil(L, 3)) {
    if (!lua_istable(L, 3)) luaL_error(L, "%s: labels must be a table of name = value", fn);
    lua_pushnil(L);
    while (lua_next(L, 3) != 0) {
      luaL_checkstack(L, 4, "too many labels");
      if (labels.size() >= 64) luaL_error(L, "%s: more than 64 labels", fn);
      if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "%s: label names must be strings", fn);
      if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "%s: label %s must be a string or number", fn, shown(L, -2).c_str());
      lua_pushvalue(L, -2);  // the name, kept on the stack; the key stays for lua_next
      lua_insert(L, -2);     // …, key, name, value
      std::size_t nn = 0, vn = 0;
      const char* name = lua_tolstring(L, -2, &nn);
      const char* value = lua_tolstring(L, -1, &vn);
      labels.emplace_back(std::string_view(name, nn), std::string_view(value, vn));
      lua_pushvalue(L, -3);  // the key again on top for lua_next
    }
  }
  thread_local std::string key;
  key.clear();
  append_series_key(key, metric, labels);
  lua_settop(L, top);  // the names kept for the views: arguments after the labels are read next
  return key;
}

// A span: a duration text ("10m", "7d") or seconds.
Nanos span_arg(lua_State* L, int index, const char* fn) {
  if (lua_type(L, index) == LUA_TSTRING) {
    std::size_t n = 0;
    const char* text = lua_tolstring(L, index, &n);
    const auto parsed = n > 64 ? std::nullopt : parse_duration({text, n});
    if (!parsed)
      luaL_error(L, "%s: span \"%s\" is not a duration like 10s, 1m or 1h", fn,
                 shown(L, index).c_str());
    return *parsed;
  }
  if (lua_type(L, index) == LUA_TNUMBER && std::isfinite(lua_tonumber(L, index)) &&
      std::abs(lua_tonumber(L, index)) < 1e9)
    return static_cast<Nanos>(lua_tonumber(L, index) * kNanosPerSecond);
  luaL_error(L, "%s: span must be a duration like \"1m\" or seconds", fn);
  return 0;
}

// Sets the window fields of `stats` on the table at the top (names interned in upvalue 2);
// a stat that is not finite is left out: `m.p99 > 250` on no data is an error, not false.
void set_stats(lua_State* L, const Evaluation& e, const WindowStats& stats) {
  const auto field = [&](int f, double value) {
    if (!std::isfinite(value)) return;
    lua_rawgeti(L, lua_upvalueindex(2), f);
    lua_pushnumber(L, value);
    lua_rawset(L, -3);
  };
  field(kCountField, static_cast<double>(stats.count));
  for (std::size_t i = 0; i < std::size(kWindowStats); ++i) {
    field(kFirstStatField + static_cast<int>(i), stats.*kWindowStats[i].field);
  }
  lua_rawgeti(L, lua_upvalueindex(2), kOutcomesField);
  lua_createtable(L, 0, 4);
  if (e.inputs->outcomes != nullptr) {
    for (std::size_t o = 0; o < e.inputs->outcomes->size(); ++o) {
      const std::string& name = e.inputs->outcomes->name(static_cast<OutcomeIndex>(o));
      lua_pushlstring(L, name.data(), name.size());
      lua_pushnumber(L, static_cast<double>(stats.outcomes[o]));
      lua_rawset(L, -3);
    }
  }
  lua_rawset(L, -3);
}

int ctx_window(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string& key = series_key_arg(L, "ctx:window");
  const Nanos span = span_arg(L, 4, "ctx:window");
  // A policy reading thousands of windows in one evaluation is broken, and would make every
  // decision it records carry them all.
  if (e.outputs->reads.size() >= kMaxReads) {
    return luaL_error(L, "ctx:window: more than %d window reads in one evaluation",
                      static_cast<int>(kMaxReads));
  }
  const auto stats = e.inputs->window(key, span);
  if (!stats)
    return luaL_error(L, "ctx:window: span %s is not positive or longer than the longest window",
                      format_duration(span).c_str());

  // The result table, keyed by strings interned once per ctx (upvalue 2): no hashing per field.
  lua_createtable(L, 0, 13);
  set_stats(L, e, *stats);

  // The evidence: what the policy read, as it read it (rendered as JSON only when recorded).
  e.outputs->reads.push_back(
      {key, span, stats->count, stats->error_rate, stats->p50, stats->p99, stats->rate_per_s});
  return 1;
}

int ctx_history(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string key = series_key_arg(L, "ctx:history");
  const Nanos span = span_arg(L, 4, "ctx:history");
  constexpr Nanos kHour = 3600 * kNanosPerSecond;
  if (span < kHour || span > 400 * 24 * kHour)
    return luaL_error(L, "ctx:history: span %s is not from 1h to 400d",
                      format_duration(span).c_str());
  Nanos by = 24 * kHour;
  if (!lua_isnoneornil(L, 5)) {
    if (!lua_istable(L, 5))
      return luaL_error(L, "ctx:history: options must be a table like { by = \"1d\" }");
    lua_pushliteral(L, "by");
    lua_rawget(L, 5);
    if (!lua_isnil(L, -1)) {
      const std::string_view text = lua_type(L, -1) == LUA_TSTRING ? text_view(L, -1, "by") : "";
      if (text == "1h")
        by = kHour;
      else if (text != "1d")
        return luaL_error(L, "ctx:history: by must be \"1h\" or \"1d\", not %s",
                          shown(L, -1).c_str());
    }
    lua_pop(L, 1);
  }
  // Each read goes to the store: a few per evaluation, not a loop over every series.
  if (++e.outputs->history_reads > kMaxHistoryReads)
    return luaL_error(L, "ctx:history: more than %d history reads in one evaluation",
                      static_cast<int>(kMaxHistoryReads));
  const auto hours = static_cast<std::size_t>(span / kHour) + 1;
  if (e.outputs->history_hours + hours > kMaxHistoryHours)
    return luaL_error(L,
                      "ctx:history: %s would pass the %d hours of history one evaluation may "
                      "read (%d left)",
                      format_duration(span).c_str(), static_cast<int>(kMaxHistoryHours),
                      static_cast<int>(kMaxHistoryHours - e.outputs->history_hours));
  e.outputs->history_hours += hours;
  if (!e.inputs->history) {  // no history kept (no state file, or engine.history is off)
    lua_pushnil(L);
    return 1;
  }
  const auto answer = e.inputs->history(key, span, by);
  if (!answer)
    return luaL_error(L, "ctx:history: %s", utf8::printable(answer.error(), 300).c_str());
  lua_createtable(L, 0, 4);
  lua_pushnumber(L, static_cast<double>(answer->hours_found));
  lua_setfield(L, -2, "hours_found");
  lua_pushnumber(L, static_cast<double>(answer->hours_asked));
  lua_setfield(L, -2, "hours_asked");
  lua_createtable(L, 0, 13);
  set_stats(L, e, answer->total);
  lua_setfield(L, -2, "total");
  lua_createtable(L, static_cast<int>(answer->periods.size()), 0);
  int i = 0;
  for (const auto& period : answer->periods) {
    luaL_checkstack(L, 4, "ctx:history: too many periods");
    lua_createtable(L, 0, 15);
    set_stats(L, e, period.stats);
    lua_pushnumber(L, static_cast<double>(period.start / kNanosPerSecond));
    lua_setfield(L, -2, "start");
    lua_pushnumber(L, static_cast<double>(period.hours));
    lua_setfield(L, -2, "hours");
    lua_rawseti(L, -2, ++i);
  }
  lua_setfield(L, -2, "periods");
  // The evidence too: an autopilot cycle's analysis is what it read of the history.
  if (e.outputs->reads.size() < kMaxReads) {
    const WindowStats& t = answer->total;
    e.outputs->reads.push_back(
        {key, span, t.count, t.error_rate, t.p50, t.p99, t.rate_per_s, true, answer->hours_found});
  }
  return 1;
}

int ctx_series(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string metric = text_arg(L, 2, "ctx:series: the metric");
  const auto all = e.inputs->series ? e.inputs->series(metric) : std::vector<Labels>{};
  if (all.size() > 10'000)
    return luaL_error(L, "ctx:series: %s has more than 10000 series", metric.c_str());
  lua_createtable(L, static_cast<int>(all.size()), 0);
  int i = 0;
  for (const auto& labels : all) {
    lua_createtable(L, 0, static_cast<int>(labels.size()));
    for (const auto& [name, value] : labels) {
      lua_pushlstring(L, name.data(), name.size());
      lua_pushlstring(L, value.data(), value.size());
      lua_rawset(L, -3);
    }
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

int ctx_param(lua_State* L) {
  Evaluation& e = evaluation(L);
  const std::string_view name = text_view(L, 2, "ctx:param: the name");
  const auto value = e.inputs->param(name);
  if (!value) return luaL_error(L, "ctx:param: no parameter %s in config", shown(L, 2).c_str());
  if (const auto* d = std::get_if<double>(&*value))
    lua_pushnumber(L, *d);
  else if (const auto* b = std::get_if<bool>(&*value))
    lua_pushboolean(L, *b);
  else
    lua_pushlstring(L, std::get<std::string>(*value).data(), std::get<std::string>(*value).size());
  return 1;
}

int ctx_now(lua_State* L) {
  Evaluation& e = evaluation(L);
  lua_pushnumber(L, static_cast<double>(e.inputs->now) / kNanosPerSecond);
  return 1;
}

}  // namespace

void push_ctx(lua_State* L, Evaluation** current) {
  static const luaL_Reg kMethods[] = {{"window", ctx_window},
                                      {"history", ctx_history},
                                      {"series", ctx_series},
                                      {"param", ctx_param},
                                      {"now", ctx_now},
                                      {"set", ctx_set},
                                      {"act", ctx_act},
                                      {"alert", ctx_alert},
                                      {"log", ctx_log},
                                      {"decisions", ctx_decisions},
                                      {"cycles", ctx_cycles},
                                      {"rollouts", ctx_rollouts},
                                      {"drift_events", ctx_drift_events},
                                      {"incidents", ctx_incidents},
                                      {"bounds", ctx_bounds},
                                      {"suggest_bounds", ctx_suggest_bounds},
                                      {"period", ctx_period},
                                      {"report", ctx_report},
                                      {nullptr, nullptr}};
  lua_createtable(L, 0, 20);
  for (const luaL_Reg* m = kMethods; m->name != nullptr; ++m) {
    lua_pushlightuserdata(L, current);
    int upvalues = 1;
    if (m->func == ctx_window || m->func == ctx_history) {
      lua_createtable(L, kOutcomesField, 0);
      lua_pushliteral(L, "count");
      lua_rawseti(L, -2, kCountField);
      for (std::size_t i = 0; i < std::size(kWindowStats); ++i) {
        lua_pushstring(L, kWindowStats[i].policy_name);
        lua_rawseti(L, -2, kFirstStatField + static_cast<int>(i));
      }
      lua_pushliteral(L, "outcomes");
      lua_rawseti(L, -2, kOutcomesField);
      ++upvalues;
    }
    lua_pushcclosure(L, m->func, upvalues);
    lua_setfield(L, -2, m->name);
  }
}

}  // namespace setpoint::bindings

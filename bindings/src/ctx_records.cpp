// ctx:decisions, ctx:cycles, ctx:rollouts, ctx:drift_events and ctx:incidents: the durable
// record, read by policies that look back (a weekly triage). The options are read raw; each
// answer is a fresh table of plain values, bounded in count and charged to the deadline.
#include <cmath>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "ctx_args.hpp"
#include "evaluation.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/bindings/library.hpp"

namespace setpoint::bindings::ctx {
namespace {

const char* function_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::kDecisions: return "ctx:decisions";
    case RecordKind::kCycles: return "ctx:cycles";
    case RecordKind::kRollouts: return "ctx:rollouts";
    case RecordKind::kDriftEvents: return "ctx:drift_events";
    case RecordKind::kIncidents: return "ctx:incidents";
  }
  return "ctx:records";
}

// `since` as epoch seconds, or a span back from now ("7d"); absent: a week back.
Nanos since_option(lua_State* L, const Evaluation& e, const char* fn) {
  constexpr Nanos kWeek = 7 * 24 * 3600 * kNanosPerSecond;
  if (lua_isnil(L, -1)) return e.inputs->now - kWeek;
  if (lua_type(L, -1) == LUA_TSTRING) {
    std::size_t n = 0;
    const char* text = lua_tolstring(L, -1, &n);
    const auto span = n > 64 ? std::nullopt : parse_duration({text, n});
    if (span && *span > 0) return e.inputs->now - *span;
    luaL_error(L, "%s: since %s is neither epoch seconds nor a span like \"7d\"", fn,
               shown(L, -1).c_str());
    return 0;  // not reached: luaL_error does not return
  }
  if (lua_type(L, -1) != LUA_TNUMBER)
    luaL_error(L, "%s: since must be epoch seconds or a span like \"7d\", not %s", fn,
               shown(L, -1).c_str());
  const double seconds = lua_tonumber(L, -1);
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e11)
    luaL_error(L, "%s: since %g is not epoch seconds", fn, seconds);
  return static_cast<Nanos>(seconds * kNanosPerSecond);
}

// The filter `key`, a short printable string, or empty when absent.
std::string text_option(lua_State* L, int options, const char* key, const char* fn) {
  raw_field(L, options, key);
  std::string text;
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "%s: %s must be a string, not %s", fn, key, shown(L, -1).c_str());
    text = text_arg(L, -1, key);
  }
  lua_pop(L, 1);
  return text;
}

RecordQuery query_arg(lua_State* L, const Evaluation& e, RecordKind kind) {
  const char* fn = function_name(kind);
  RecordQuery q;
  q.kind = kind;
  if (lua_isnoneornil(L, 2)) {
    lua_pushnil(L);
    q.since = since_option(L, e, fn);
    lua_pop(L, 1);
    return q;
  }
  if (!lua_istable(L, 2)) luaL_error(L, "%s: options must be a table like { since = \"7d\" }", fn);
  raw_field(L, 2, "since");
  q.since = since_option(L, e, fn);
  lua_pop(L, 1);
  raw_field(L, 2, "limit");
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "%s: limit must be a number, not %s", fn, shown(L, -1).c_str());
    const double limit = lua_tonumber(L, -1);
    if (!(limit >= 1 && limit <= static_cast<double>(kMaxRecordLimit)) ||
        limit != std::floor(limit))
      luaL_error(L, "%s: limit %g is not a whole number from 1 to %d", fn, limit,
                 static_cast<int>(kMaxRecordLimit));
    q.limit = static_cast<std::size_t>(limit);
  }
  lua_pop(L, 1);
  if (kind == RecordKind::kDecisions) {
    q.policy = text_option(L, 2, "policy", fn);
    q.parameter = text_option(L, 2, "parameter", fn);
    q.verdict = text_option(L, 2, "verdict", fn);
  }
  return q;
}

void push_value(lua_State* L, const RecordValue& value) {
  if (const auto* b = std::get_if<bool>(&value))
    lua_pushboolean(L, *b);
  else if (const auto* d = std::get_if<double>(&value))
    lua_pushnumber(L, *d);
  else if (const auto* s = std::get_if<std::string>(&value))
    lua_pushlstring(L, s->data(), s->size());
  else
    lua_pushnil(L);
}

int read_records(lua_State* L, RecordKind kind) {
  Evaluation& e = evaluation(L);
  const char* fn = function_name(kind);
  RecordQuery q = query_arg(L, e, kind);
  const std::size_t left = kMaxRecords - e.outputs->records_read;
  if (left == 0)
    return luaL_error(L, "%s: more than %d records read in one evaluation", fn,
                      static_cast<int>(kMaxRecords));
  q.limit = std::min(q.limit, left);
  if (!e.inputs->records) {  // no store: nothing is recorded, so there is nothing to read
    lua_pushnil(L);
    return 1;
  }
  const auto records = e.inputs->records(q);
  if (!records) return luaL_error(L, "%s: %s", fn, utf8::printable(records.error(), 300).c_str());
  const std::size_t n = std::min(records->size(), q.limit);  // never more than asked for
  e.outputs->records_read += n;
  lua_createtable(L, static_cast<int>(n), 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Record& r = (*records)[i];
    std::size_t bytes = 64;
    lua_createtable(L, 0, static_cast<int>(r.fields.size()));
    for (const auto& [name, value] : r.fields) {
      lua_pushlstring(L, name.data(), name.size());
      push_value(L, value);
      lua_rawset(L, -3);
      bytes += name.size() + 16;
      if (const auto* s = std::get_if<std::string>(&value)) bytes += s->size();
    }
    lua_rawseti(L, -2, static_cast<int>(i + 1));
    charge(L, bytes);  // the copying is C work the count hook cannot see
  }
  return 1;
}

}  // namespace

int ctx_decisions(lua_State* L) { return read_records(L, RecordKind::kDecisions); }
int ctx_cycles(lua_State* L) { return read_records(L, RecordKind::kCycles); }
int ctx_rollouts(lua_State* L) { return read_records(L, RecordKind::kRollouts); }
int ctx_drift_events(lua_State* L) { return read_records(L, RecordKind::kDriftEvents); }
int ctx_incidents(lua_State* L) { return read_records(L, RecordKind::kIncidents); }

}  // namespace setpoint::bindings::ctx

#include "setpoint/bindings/policy_info.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <string_view>

#include "setpoint/base/duration.hpp"

namespace setpoint::bindings {
namespace {

// The module's field `key`, read raw: a policy's metatable on its own definition table never
// runs in the host (an __index that loops would hang the loader, outside any deadline).
void push_raw(lua_State* L, const char* key) {
  lua_pushstring(L, key);
  lua_rawget(L, -2);
}

std::string string_at(lua_State* L, int index) {
  std::size_t n = 0;
  const char* s = lua_tolstring(L, index, &n);
  return {s, n};
}

// A name that can stand in a log line, a URL, a metric label and a store key as it is.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// A list of strings at the top of the stack, or a problem.
std::vector<std::string> string_list(lua_State* L, const std::string& what,
                                     std::vector<std::string>& problems) {
  std::vector<std::string> out;
  if (lua_isnil(L, -1)) return out;
  if (!lua_istable(L, -1)) {
    problems.push_back(what + " must be a list of strings");
    return out;
  }
  const std::size_t n = lua_objlen(L, -1);  // raw: no __len
  if (n > 1000) {
    problems.push_back(what + " has more than 1000 entries");
    return out;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    if (lua_type(L, -1) == LUA_TSTRING && valid_name(string_at(L, -1)))
      out.push_back(string_at(L, -1));
    else
      problems.push_back(what + "[" + std::to_string(i) +
                         "] must be a name (letters, digits, - _ . :)");
    lua_pop(L, 1);
  }
  return out;
}

// "HH:MM", 00:00 to 23:59.
bool valid_time(std::string_view t) {
  const auto digit = [&](std::size_t i) { return t[i] >= '0' && t[i] <= '9'; };
  if (t.size() != 5 || t[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
    return false;
  return (t[0] - '0') * 10 + (t[1] - '0') < 24 && t[3] < '6';
}

// "daily HH:MM" or "weekly <mon..sun> HH:MM".
bool valid_schedule(std::string_view s) {
  if (s.starts_with("daily ")) return valid_time(s.substr(6));
  if (!s.starts_with("weekly ") || s.size() != 16 || s[10] != ' ') return false;
  const std::string_view day = s.substr(7, 3);
  for (const char* d : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
    if (day == d) return valid_time(s.substr(11));
  }
  return false;
}

// A duration field of the autopilot table at the top, within [least, most].
template <typename Out>
void duration_field(lua_State* L, const char* key, Nanos least, Nanos most, Out& out,
                    std::vector<std::string>& problems) {
  push_raw(L, key);
  if (!lua_isnil(L, -1)) {
    const auto d = lua_type(L, -1) == LUA_TSTRING ? parse_duration(string_at(L, -1)) : std::nullopt;
    if (!d || *d < least || *d > most) {
      problems.push_back(std::string("autopilot.") + key + " must be a duration from " +
                         format_duration(least) + " to " + format_duration(most));
    } else {
      out = *d;
    }
  }
  lua_pop(L, 1);
}

void share_field(lua_State* L, const char* key, int most, double& out,
                 std::vector<std::string>& problems) {
  push_raw(L, key);
  if (!lua_isnil(L, -1)) {
    const double v = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
    if (!(v > 0 && v <= most))
      problems.push_back(std::string("autopilot.") + key + " must be a number above 0, at most " +
                         std::to_string(most));
    else
      out = v;
  }
  lua_pop(L, 1);
}

// The autopilot table at the top of the stack.
std::optional<AutopilotInfo> autopilot_info(lua_State* L, std::vector<std::string>& problems) {
  if (lua_isnil(L, -1)) return std::nullopt;
  if (!lua_istable(L, -1)) {
    problems.push_back("autopilot must be a table like { max_duration = \"10m\" }");
    return std::nullopt;
  }
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    const std::string key = lua_type(L, -1) == LUA_TSTRING ? string_at(L, -1) : "";
    if (key != "max_duration" && key != "verify" && key != "worse_by" && key != "error_floor") {
      problems.push_back("autopilot has an unknown field" +
                         (key.empty() ? "" : " " + key.substr(0, 64)) +
                         " (max_duration, verify, worse_by, error_floor)");
    }
  }
  AutopilotInfo info;
  constexpr Nanos kMinute = 60 * kNanosPerSecond, kHour = 60 * kMinute;
  duration_field(L, "max_duration", kMinute, 24 * kHour, info.max_duration, problems);
  // The impact is read from hourly history, leaving out the hour of the change and the last
  // one: three at least, so an hour is left to compare.
  duration_field(L, "verify", 3 * kHour, 28 * 24 * kHour, info.verify, problems);
  share_field(L, "worse_by", 10, info.worse_by, problems);
  share_field(L, "error_floor", 1, info.error_floor, problems);
  return info;
}

// The triage field at the top of the stack: true, or { window = "7d" }.
std::optional<TriageInfo> triage_info(lua_State* L, std::vector<std::string>& problems) {
  if (lua_isnil(L, -1) || (lua_isboolean(L, -1) && !lua_toboolean(L, -1))) return std::nullopt;
  TriageInfo info;
  if (lua_isboolean(L, -1)) return info;
  if (!lua_istable(L, -1)) {
    problems.push_back("triage must be true or a table like { window = \"7d\" }");
    return std::nullopt;
  }
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    const std::string key = lua_type(L, -1) == LUA_TSTRING ? string_at(L, -1) : "";
    if (key != "window")
      problems.push_back("triage has an unknown field" +
                         (key.empty() ? "" : " " + key.substr(0, 64)) + " (window)");
  }
  push_raw(L, "window");
  if (!lua_isnil(L, -1)) {
    constexpr Nanos kHour = 3600 * kNanosPerSecond;
    const auto d = lua_type(L, -1) == LUA_TSTRING ? parse_duration(string_at(L, -1)) : std::nullopt;
    if (!d || *d < kHour || *d > 90 * 24 * kHour)
      problems.push_back("triage.window must be a duration from 1h to 90d");
    else
      info.window = *d;
  }
  lua_pop(L, 1);
  return info;
}

}  // namespace

std::optional<PolicyInfo> read_policy_info(PolicyState& state, const std::string& default_name,
                                           std::vector<std::string>& problems) {
  lua_State* L = state.lua();
  const std::size_t before = problems.size();
  if (!state.push_module()) {
    problems.push_back("the file must return a table");
    return std::nullopt;
  }
  PolicyInfo info;
  info.name = default_name;
  push_raw(L, "evaluate");
  if (!lua_isfunction(L, -1)) problems.push_back("evaluate must be a function");
  lua_pop(L, 1);

  push_raw(L, "name");
  if (lua_type(L, -1) == LUA_TSTRING && valid_name(string_at(L, -1)))
    info.name = string_at(L, -1);
  else if (!lua_isnil(L, -1))
    problems.push_back("name must be a string of letters, digits, - _ . or : (at most 128)");
  else if (!valid_name(info.name))
    problems.push_back(
        "the file's name cannot name a policy: give it a name = \"...\" of letters, digits, - _ . "
        "or :");
  lua_pop(L, 1);

  push_raw(L, "every");
  const bool every_given = !lua_isnil(L, -1);
  if (lua_type(L, -1) == LUA_TSTRING) {
    const auto every = parse_duration(string_at(L, -1));
    if (!every || *every < 100 * kNanosPerMilli)
      problems.push_back("every must be an interval of at least 100ms, like \"5s\"");
    else
      info.every = *every;
  } else if (!lua_isnil(L, -1)) {
    problems.push_back("every must be a string like \"5s\"");
  }
  lua_pop(L, 1);

  push_raw(L, "schedule");
  if (lua_type(L, -1) == LUA_TSTRING) {
    info.schedule = string_at(L, -1);
    if (!valid_schedule(info.schedule))
      problems.push_back("schedule must be \"daily HH:MM\" or \"weekly sun HH:MM\" (UTC)");
  } else if (!lua_isnil(L, -1)) {
    problems.push_back("schedule must be a string");
  }
  lua_pop(L, 1);

  push_raw(L, "params");
  info.params = string_list(L, "params", problems);
  lua_pop(L, 1);
  push_raw(L, "actions");
  info.actions = string_list(L, "actions", problems);
  lua_pop(L, 1);
  push_raw(L, "autopilot");
  info.autopilot = autopilot_info(L, problems);
  if (info.autopilot && info.schedule.empty() && every_given)
    problems.push_back("an autopilot policy runs on a schedule like \"daily 03:00\", not every");
  lua_pop(L, 1);
  push_raw(L, "triage");
  info.triage = triage_info(L, problems);
  if (info.triage && every_given)
    problems.push_back("a triage policy runs on a schedule like \"weekly sun 02:00\", not every");
  if (info.triage && info.autopilot)
    problems.push_back("a policy is an autopilot or a triage policy, not both");
  lua_pop(L, 2);
  if (problems.size() != before) return std::nullopt;
  return info;
}

}  // namespace setpoint::bindings

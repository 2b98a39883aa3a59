#include "setpoint/bindings/policy_info.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <regex>

#include "setpoint/duration.hpp"

namespace setpoint::bindings {
namespace {

// A list of strings at the top of the stack, or a problem.
std::vector<std::string> string_list(lua_State* L, const std::string& what, std::vector<std::string>& problems) {
  std::vector<std::string> out;
  if (lua_isnil(L, -1)) return out;
  if (!lua_istable(L, -1)) {
    problems.push_back(what + " must be a list of strings");
    return out;
  }
  const int n = static_cast<int>(lua_objlen(L, -1));
  for (int i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, i);
    if (lua_type(L, -1) == LUA_TSTRING) out.emplace_back(lua_tostring(L, -1));
    else problems.push_back(what + "[" + std::to_string(i) + "] must be a string");
    lua_pop(L, 1);
  }
  return out;
}

bool valid_schedule(const std::string& s) {
  static const std::regex daily(R"(daily ([01][0-9]|2[0-3]):[0-5][0-9])");
  static const std::regex weekly(R"(weekly (mon|tue|wed|thu|fri|sat|sun) ([01][0-9]|2[0-3]):[0-5][0-9])");
  return std::regex_match(s, daily) || std::regex_match(s, weekly);
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
  lua_getfield(L, -1, "evaluate");
  if (!lua_isfunction(L, -1)) problems.push_back("evaluate must be a function");
  lua_pop(L, 1);

  lua_getfield(L, -1, "name");
  if (lua_type(L, -1) == LUA_TSTRING) info.name = lua_tostring(L, -1);
  else if (!lua_isnil(L, -1)) problems.push_back("name must be a string");
  lua_pop(L, 1);

  lua_getfield(L, -1, "every");
  if (lua_type(L, -1) == LUA_TSTRING) {
    const auto every = parse_duration(lua_tostring(L, -1));
    if (!every || *every < 100 * kNanosPerMilli) problems.push_back("every must be an interval of at least 100ms, like \"5s\"");
    else info.every = *every;
  } else if (!lua_isnil(L, -1)) {
    problems.push_back("every must be a string like \"5s\"");
  }
  lua_pop(L, 1);

  lua_getfield(L, -1, "schedule");
  if (lua_type(L, -1) == LUA_TSTRING) {
    info.schedule = lua_tostring(L, -1);
    if (!valid_schedule(info.schedule)) problems.push_back("schedule must be \"daily HH:MM\" or \"weekly sun HH:MM\" (UTC)");
  } else if (!lua_isnil(L, -1)) {
    problems.push_back("schedule must be a string");
  }
  lua_pop(L, 1);

  lua_getfield(L, -1, "params");
  info.params = string_list(L, "params", problems);
  lua_pop(L, 1);
  lua_getfield(L, -1, "actions");
  info.actions = string_list(L, "actions", problems);
  lua_pop(L, 2);
  if (problems.size() != before) return std::nullopt;
  return info;
}

}  // namespace setpoint::bindings

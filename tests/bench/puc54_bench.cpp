// The reference policy and the hot part of our binding (ctx:window, ctx:param, ctx:set, the
// deadline hook) on PUC Lua 5.4, in its own executable because its C API shares LuaJIT's symbol
// names. main() of setpoint_bench runs it and divides: how much LuaJIT buys us.
#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "harness.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_text.hpp"
#include "setpoint/windows/aggregator.hpp"

using namespace setpoint;

namespace {

struct Run {
  Aggregator* aggregator;
  sketch::Accumulator* scratch;
  Nanos now;
  std::vector<std::pair<std::string, double>> proposals;
  std::vector<std::pair<std::string, std::string>> evidence;
  Nanos deadline;
};
Run* current = nullptr;

void set_number(lua_State* L, const char* field, double value) {
  if (!std::isfinite(value)) return;
  lua_pushnumber(L, value);
  lua_setfield(L, -2, field);
}

int ctx_window(lua_State* L) {
  const std::string metric = luaL_checkstring(L, 2);
  std::vector<LabelView> labels;
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 3) != 0) {
    luaL_checkstack(L, 4, "labels");
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    std::size_t nn = 0, vn = 0;
    const char* name = lua_tolstring(L, -2, &nn);
    const char* value = lua_tolstring(L, -1, &vn);
    labels.emplace_back(std::string_view(name, nn), std::string_view(value, vn));
    lua_pushvalue(L, -3);
  }
  const Nanos span = *parse_duration(luaL_checkstring(L, 4));
  thread_local std::string key;
  key.clear();
  append_series_key(key, metric, labels);
  WindowStats stats;
  if (const auto id = current->aggregator->find(key))
    stats = *current->aggregator->read(*id, current->now, span, *current->scratch);
  lua_createtable(L, 0, 16);
  lua_pushnumber(L, static_cast<double>(stats.count));
  lua_setfield(L, -2, "count");
  set_number(L, "rate", stats.rate_per_s);
  set_number(L, "error_rate", stats.error_rate);
  set_number(L, "success_rate", stats.success_rate);
  set_number(L, "sum", stats.sum);
  set_number(L, "mean", stats.mean);
  set_number(L, "min", stats.min);
  set_number(L, "max", stats.max);
  set_number(L, "p50", stats.p50);
  set_number(L, "p90", stats.p90);
  set_number(L, "p95", stats.p95);
  set_number(L, "p99", stats.p99);
  lua_createtable(L, 0, 3);
  for (std::size_t o = 0; o < 3; ++o) {
    lua_pushnumber(L, static_cast<double>(stats.outcomes[o]));
    lua_setfield(L, -2, current->aggregator->outcomes().name(static_cast<OutcomeIndex>(o)).c_str());
  }
  lua_setfield(L, -2, "outcomes");
  std::string json = "{\"count\":";
  json_text::append_number(json, stats.count);
  json += ",\"p99\":";
  json_text::append_number(json, stats.p99);
  json += "}";
  current->evidence.emplace_back(key + "@" + format_duration(span), std::move(json));
  return 1;
}

int ctx_param(lua_State* L) {
  luaL_checkstring(L, 2);
  lua_pushnumber(L, 100.0);
  return 1;
}

int ctx_set(lua_State* L) {
  const std::string name = luaL_checkstring(L, 2);
  const double value = luaL_checknumber(L, 3);
  if (lua_istable(L, 4)) {
    lua_getfield(L, 4, "reason");
    lua_pop(L, 1);
  }
  current->proposals.emplace_back(name, value);
  return 0;
}

void hook(lua_State* L, lua_Debug*) {
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  if (current != nullptr && now > current->deadline) luaL_error(L, "deadline");
}

}  // namespace

extern const char* const kReferenceAimd;

int main() {
  Aggregator aggregator({});
  auto handle = aggregator.resolve("http.server", {{"service", "checkout"}});
  const Nanos now = 1'795'168'800LL * kNanosPerSecond;
  for (int i = 0; i < 6000; ++i)
    handle.record(now - (i % 60) * kNanosPerSecond, 100.0 + i % 300, OutcomeSet::kOk);
  sketch::Accumulator scratch;

  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  lua_sethook(L, hook, LUA_MASKCOUNT, 1000);
  if (luaL_loadbufferx(L, kReferenceAimd, std::strlen(kReferenceAimd), "=aimd.lua", "t") != 0 ||
      lua_pcall(L, 0, 1, 0) != 0) {
    std::fprintf(stderr, "puc54: %s\n", lua_tostring(L, -1));
    return 1;
  }
  const int module = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 3);
  const luaL_Reg methods[] = {
      {"window", ctx_window}, {"param", ctx_param}, {"set", ctx_set}, {nullptr, nullptr}};
  luaL_setfuncs(L, methods, 0);
  const int ctx = luaL_ref(L, LUA_REGISTRYINDEX);

  constexpr std::uint64_t kOps = 100'000;
  std::size_t proposals = 0;
  const double ns = bench::ns_per_op(kOps, 7, [&] {
    for (std::uint64_t i = 0; i < kOps; ++i) {
      Run run{
          &aggregator, &scratch,
          now,         {},
          {},          std::chrono::steady_clock::now().time_since_epoch().count() + 50'000'000};
      current = &run;
      lua_rawgeti(L, LUA_REGISTRYINDEX, module);
      lua_getfield(L, -1, "evaluate");
      lua_remove(L, -2);
      lua_rawgeti(L, LUA_REGISTRYINDEX, ctx);
      if (lua_pcall(L, 1, 0, 0) != 0) {
        std::fprintf(stderr, "puc54: %s\n", lua_tostring(L, -1));
        std::exit(1);
      }
      current = nullptr;
      proposals += run.proposals.size();
    }
  });
  bench::keep(proposals);
  std::printf("%.3f\n", ns);
  lua_close(L);
  return 0;
}

// The wall-clock watchdog on its own: a run past its deadline is stopped even with no count
// hook of its own, and one within its deadline is never touched.
#include "watchdog.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <luajit.h>
#include <lualib.h>
}

#include <catch2/catch.hpp>
#include <chrono>

using namespace setpoint::bindings;

namespace {

int fired = 0;

void stop_here(lua_State* L, lua_Debug*) {
  ++fired;
  lua_sethook(L, nullptr, 0, 0);
  luaL_error(L, "stopped by the watchdog");
}

std::int64_t steady_in(std::chrono::milliseconds ms) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             (std::chrono::steady_clock::now() + ms).time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("watchdog: a run past its deadline is made to stop at its next instruction") {
  lua_State* L = luaL_newstate();
  REQUIRE(L != nullptr);
  luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);  // as a policy's state runs
  fired = 0;
  // No count hook is set: only the watchdog's signal can end this loop.
  REQUIRE(luaL_loadstring(L, "local n = 0 while true do n = n + 1 end") == 0);
  const watchdog::Armed previous =
      watchdog::arm(L, &stop_here, steady_in(std::chrono::milliseconds(20)));
  const int status = lua_pcall(L, 0, 0, 0);
  CHECK(watchdog::overdue());
  const bool hook_changed = watchdog::disarm(previous);
  CHECK(status == LUA_ERRRUN);
  CHECK(std::string(lua_tostring(L, -1)).find("stopped by the watchdog") != std::string::npos);
  CHECK(fired == 1);
  CHECK(hook_changed);
  CHECK_FALSE(watchdog::overdue());  // disarmed: the next run starts clean
  lua_close(L);
}

TEST_CASE("watchdog: a run that ends within its deadline is never signalled") {
  lua_State* L = luaL_newstate();
  fired = 0;
  REQUIRE(luaL_loadstring(L, "local n = 0 for i = 1, 1000 do n = n + i end return n") == 0);
  const watchdog::Armed previous =
      watchdog::arm(L, &stop_here, steady_in(std::chrono::seconds(10)));
  CHECK(lua_pcall(L, 0, 1, 0) == 0);
  CHECK(lua_tonumber(L, -1) == 500500);
  CHECK_FALSE(watchdog::overdue());
  CHECK_FALSE(watchdog::disarm(previous));
  CHECK(fired == 0);
  lua_close(L);
}

// The sandbox's own versions of os.time, os.date and string.format (library.cpp); the
// hostile corpus in policy_state_test holds its limits.
#include "setpoint/bindings/library.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checkout_inputs.hpp"

using namespace setpoint;
using namespace setpoint::bindings;
using namespace checkout_inputs;

TEST_CASE("os.time and os.date read the engine's clock, in UTC") {
  Fixture f;  // the engine's now: 2026-11-20T10:00:00Z
  PolicyOutputs out;
  const RunResult result = run(R"(return { evaluate = function(ctx)
      ctx:log(os.time() .. " " .. ctx:now())
      ctx:log(os.date("%Y-%m-%dT%H:%M:%SZ") .. " " .. os.date("!%H") .. " " .. os.date("*t").hour)
      ctx:log(tostring(os.time({ year = 2026, month = 11, day = 20, hour = 10 })))
      ctx:log(tostring(os.time({ year = 2025, month = 23, day = 21, hour = -14 })))  -- carried over, as mktime does
    end })",
                               f, out);
  REQUIRE(result.ok());
  CHECK(out.logs == std::vector<std::string>{"1795168800 1795168800", "2026-11-20T10:00:00Z 10 10",
                                             "1795168800", "1795168800"});
}

TEST_CASE(
    "string.format prints what tostring prints for tables, functions and %p, never an address") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = run(R"(return { evaluate = function(ctx)
      local f = function() end
      ctx:log(string.format("%s|%s|%p|%p|%q|%q", {}, f, {}, "x", f, "q\n"))
      ctx:log(string.format("%-8s|%5.2s|%d|%.1f|%%|%s|%s", {}, "abc", 7, 2.5, nil, false))
      ctx:log(("%s"):format(setmetatable({}, { __tostring = function() return "0xdeadbeef" end })))
    end })",
                               f, out);
  REQUIRE(result.ok());
  CHECK(out.logs == std::vector<std::string>{"table|function|table|x|function|\"q\\\\n\"",
                                             "table   |   ab|7|2.5|%|nil|false", "table"});
}

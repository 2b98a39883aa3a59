#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>
#include <cstdlib>
#include <filesystem>

#include "setpoint/bindings/policy_state.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::bindings;

namespace {

const char* kWellBehaved = R"(
local n = 0
return { evaluate = function() n = n + 1; result = (result or 0) + n end,
         value = function() if result ~= 3 then error("result is " .. tostring(result)) end end }
)";

struct Expectation {
  std::vector<Failure> failures;  // any of these (which limit trips first can depend on speed)
  std::string message;            // a part of the message
};

Expectation expectation_of(const std::string& source) {
  if (!source.empty() && source[0] == '\x1b') return {{Failure::kBytecode}, "bytecode"};
  const std::string tag = "-- expect: ";
  REQUIRE(source.rfind(tag, 0) == 0);
  const std::string line = source.substr(tag.size(), source.find('\n') - tag.size());
  const std::string kinds = line.substr(0, line.find(' '));
  Expectation e;
  e.message = line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
  for (Failure f : {Failure::kSyntax, Failure::kRuntime, Failure::kDeadline, Failure::kMemory, Failure::kBytecode}) {
    if (("|" + kinds + "|").find(std::string("|") + failure_name(f) + "|") != std::string::npos) e.failures.push_back(f);
  }
  if (e.failures.empty()) FAIL("unknown expectation " << kinds);
  return e;
}

}  // namespace

TEST_CASE("every hostile policy in the corpus is contained with a clear error") {
  SystemClock clock;
  Limits limits;  // the defaults: 16 MiB, 50 ms
  // A well-behaved policy runs beside the hostile ones and must not notice them.
  PolicyState neighbour("neighbour", limits, clock);
  REQUIRE(neighbour.load(kWellBehaved, "neighbour.lua").ok());
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SETPOINT_HOSTILE_DIR)) {
    const std::string source = setpoint::testing::read_file(entry.path().string());
    const Expectation expected = expectation_of(source);
    const std::string name = entry.path().stem().string();
    INFO(name);
    PolicyState state(name, limits, clock);
    RunResult result = state.load(source, entry.path().filename().string());
    if (result.ok()) result = state.call("evaluate");
    CHECK(std::find(expected.failures.begin(), expected.failures.end(), result.failure) != expected.failures.end());
    INFO(result.message);
    CHECK(result.message.find(expected.message) != std::string::npos);
    CHECK(result.message.find("policy " + name) == 0);
    // The hostile state is still usable after being stopped.
    if (result.failure != Failure::kSyntax && result.failure != Failure::kBytecode) {
      CHECK(state.load("return { ok = function() return 1 end }", "again.lua").ok());
      CHECK(state.call("ok").ok());
    }
    ++files;
  }
  CHECK(files >= 39);
  for (int i = 0; i < 2; ++i) REQUIRE(neighbour.call("evaluate").ok());
  CHECK(neighbour.call("value").ok());  // 1 + 2 = 3: its state went on undisturbed
}

TEST_CASE("the sandbox offers what policies need") {
  SystemClock clock;
  PolicyState state("kind", {}, clock);
  const char* source = R"(
    return { evaluate = function()
      assert(tostring({}) == "table", "tostring leaks " .. tostring({}))
      assert(tostring(print) == "nil")
      assert(string.find("a.b.c", ".b", 1, false) == 2, "find is plain")
      assert(string.find("abc", "z") == nil)
      assert(("abc"):upper() == "ABC")
      assert(string.format("%.1f", 2.25) == "2.2" or string.format("%.1f", 2.25) == "2.3")
      local t = {3, 1, 2}; table.sort(t); assert(t[1] == 1 and t[3] == 3)
      assert(math.floor(2.5) == 2 and math.max(1, 5) == 5)
      local r = math.random(); assert(r >= 0 and r < 1)
      assert(type(os.time()) == "number" and type(os.clock()) == "number")
      assert(os.date("!%Y", 0) == "1970")
      local ok, err = pcall(error, "boom"); assert(not ok and err:find("boom"))
      local co = coroutine.wrap(function() coroutine.yield(1) return 2 end)
      assert(co() == 1 and co() == 2)
      assert(_G == _G._G and _VERSION == "Lua 5.1")
      assert(setmetatable({}, { __index = function() return 7 end }).x == 7)
    end }
  )";
  REQUIRE(state.load(source, "kind.lua").ok());
  const RunResult result = state.call("evaluate");
  INFO(result.message);
  CHECK(result.ok());
}

TEST_CASE("math.random is seeded per policy: reproducible, and different between policies") {
  SystemClock clock;
  const char* source = "return { evaluate = function() draw = math.random(1, 1000000) end, "
                       "get = function() error(tostring(draw)) end }";
  auto draw = [&](const std::string& name) {
    PolicyState state(name, {}, clock);
    REQUIRE(state.load(source, "r.lua").ok());
    REQUIRE(state.call("evaluate").ok());
    return state.call("get").message;
  };
  CHECK(draw("alpha") == draw("alpha"));
  CHECK(draw("alpha") != draw("beta"));
}

TEST_CASE("an idle policy state is small") {
  SystemClock clock;
  PolicyState state("idle", {}, clock);
  REQUIRE(state.load("return { evaluate = function() end }", "idle.lua").ok());
  CHECK(state.memory().used < 64 * 1024);
}

TEST_CASE("a policy that returns no table, or lacks the function, says so") {
  SystemClock clock;
  PolicyState state("shape", {}, clock);
  REQUIRE(state.load("return 42", "shape.lua").ok());
  CHECK(state.call("evaluate").message == "policy shape: the file does not return a table");
  REQUIRE(state.load("return {}", "shape.lua").ok());
  CHECK(state.call("evaluate").message == "policy shape: no function evaluate");
}

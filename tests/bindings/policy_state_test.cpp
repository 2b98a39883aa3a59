#include "setpoint/bindings/policy_state.hpp"

extern "C" {
#include <lua.h>
}

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "setpoint/base/utf8.hpp"
#include "setpoint/bindings/policy_info.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::bindings;

namespace {

const char* kWellBehaved = R"(
local n = 0
return { evaluate = function() n = n + 1; result = (result or 0) + n end,
         value = function() if result ~= 3 then error("result is " .. tostring(result)) end end }
)";

// What a corpus file's first line says must happen: "-- expect: <kinds> <part of the message>",
// kinds separated by | — a failure of the run (syntax, runtime, deadline, memory, bytecode),
// "refused" (the definition does not check out), "state" (ctx.state cannot be kept) or "ok".
struct Expectation {
  std::vector<std::string> kinds;  // any of these (which limit trips first can depend on speed)
  std::string message;             // a part of the message
};

Expectation expectation_of(const std::string& source) {
  if (!source.empty() && source[0] == '\x1b') return {{"bytecode"}, "bytecode"};
  const std::string tag = "-- expect: ";
  REQUIRE(source.rfind(tag, 0) == 0);
  const std::string line = source.substr(tag.size(), source.find('\n') - tag.size());
  const std::string kinds = line.substr(0, line.find(' '));
  Expectation e;
  e.message = line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
  for (std::size_t at = 0; at <= kinds.size();) {
    const std::size_t bar = std::min(kinds.find('|', at), kinds.size());
    e.kinds.push_back(kinds.substr(at, bar - at));
    at = bar + 1;
  }
  for (const auto& k : e.kinds) {
    if (k != "ok" && k != "refused" && k != "state" && k != "syntax" && k != "runtime" &&
        k != "deadline" && k != "memory" && k != "bytecode") {
      FAIL("unknown expectation " << k);
    }
  }
  return e;
}

// What happened to a policy taken through the host's whole path, as the engine takes it: load,
// read its definition, evaluate it twice with ctx, keep ctx.state and restore it into a fresh
// state (a reload). Every text the host got from it along the way is kept, to be checked.
struct HostRun {
  std::string kind = "ok";
  std::string message;
  std::vector<std::string> texts;
  double longest_ms = 0;  // the longest single run
};

HostRun through_host(const std::string& source, const std::string& name, const std::string& file,
                     const Limits& limits) {
  ManualClock engine_clock{Nanos{1'795'168'800} * kNanosPerSecond};
  SystemClock cpu;
  OutcomeSet outcomes;
  PolicyInputs inputs;
  inputs.outcomes = &outcomes;
  inputs.now = engine_clock.wall();
  inputs.window = [](const std::string&, Nanos) -> std::optional<WindowStats> {
    WindowStats w;
    w.count = 10;
    return w;
  };
  inputs.param = [](std::string_view) -> std::optional<ProposedValue> { return 100.0; };
  HostRun run;
  const auto timed = [&](const std::function<RunResult()>& step) {
    const auto started = std::chrono::steady_clock::now();
    RunResult r = step();
    run.longest_ms = std::max(run.longest_ms, std::chrono::duration<double, std::milli>(
                                                  std::chrono::steady_clock::now() - started)
                                                  .count());
    if (!r.ok() && run.kind == "ok") {  // the first failure is the one expected
      run.kind = failure_name(r.failure);
      run.message = r.message;
    }
    return r.ok();
  };
  PolicyState state(name, limits, cpu);
  if (!timed([&] { return state.load(source, file); })) return run;
  std::vector<std::string> problems;
  if (!read_policy_info(state, name, problems)) {
    run.kind = "refused";
    for (const auto& p : problems) run.message += p + "; ";
    return run;
  }
  // Twice, whatever the first did: a failed evaluation must leave the state usable.
  for (int i = 0; i < 2; ++i) {
    PolicyOutputs out;
    if (!timed([&] { return state.evaluate(inputs, out); })) continue;
    run.texts.insert(run.texts.end(), out.logs.begin(), out.logs.end());
    run.texts.insert(run.texts.end(), out.alerts.begin(), out.alerts.end());
    for (const auto& p : out.proposals) {
      run.texts.push_back(p.target);
      run.texts.push_back(p.reason);
      for (const auto& [arg, value] : p.args) {
        run.texts.push_back(arg);
        if (const auto* text = std::get_if<std::string>(&value)) run.texts.push_back(*text);
      }
    }
    run.texts.push_back(out.evidence());
    const auto kept = state.save_state();
    if (!kept) {
      if (run.kind == "ok") {
        run.kind = "state";
        run.message = kept.error();
      }
      continue;
    }
    run.texts.push_back(*kept);
    PolicyState reloaded(name, Limits{}, cpu);
    REQUIRE(reloaded.load("return { evaluate = function() end }", "reloaded.lua").ok());
    REQUIRE(reloaded.restore_state(*kept));
    CHECK(*reloaded.save_state() == *kept);  // what is kept reads back as it was written
  }
  return run;
}

// A heap address as %p or tostring print one.
bool shows_address(const std::string& text) {
  for (std::size_t at = text.find("0x"); at != std::string::npos; at = text.find("0x", at + 2)) {
    std::size_t digits = 0;
    while (at + 2 + digits < text.size() &&
           std::isxdigit(static_cast<unsigned char>(text[at + 2 + digits])))
      ++digits;
    if (digits >= 6) return true;
  }
  return false;
}

// One printable line of valid UTF-8: what every log line and record must be.
bool printable(const std::string& text) {
  if (!utf8::valid(text)) return false;
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

TEST_CASE(
    "every hostile policy in the corpus is contained with a clear error, through the host's whole "
    "path") {
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
    // A file that must meet the memory cap gets time enough to reach it: on a loaded machine (or
    // under ASan) 16 MiB of allocations can take longer than 50 ms, and the deadline would be
    // what stopped it. The deadline's own files keep the default.
    Limits file_limits;
    if (expected.kinds == std::vector<std::string>{"memory"})
      file_limits.cpu = 10 * kNanosPerSecond;
    const HostRun run = through_host(source, name, entry.path().filename().string(), file_limits);
    INFO(run.kind << ": " << run.message);
    CHECK(std::find(expected.kinds.begin(), expected.kinds.end(), run.kind) !=
          expected.kinds.end());
    CHECK(run.message.find(expected.message) != std::string::npos);
    if (run.kind != "ok" && run.kind != "refused")
      CHECK(run.message.rfind("policy " + name, 0) == 0);
    // Whatever it did, nothing it made the host say leaks an address or breaks a line.
    CHECK(printable(run.message));
    CHECK_FALSE(shows_address(run.message));
    for (const auto& text : run.texts) {
      INFO(text);
      CHECK(printable(text));
      CHECK_FALSE(shows_address(text));
    }
    // No run outlives its deadline by more than a fraction of a second, whatever it calls
    // (a bound on the failure, not a speed figure: bench's deadline_overrun_ms measures it).
    CHECK(run.longest_ms < 500);
    ++files;
  }
  CHECK(files >= 61);
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
      assert(type(os.clock()) == "number")
      assert(os.date("!%Y", 0) == "1970" and os.date("%Y-%m-%d %H:%M", 86400 * 365) == "1971-01-01 00:00")
      assert(os.time({ year = 1970, month = 1, day = 2, hour = 0 }) == 86400)
      local ok, err = pcall(os.time)  -- the engine's clock: only during an evaluation
      assert(not ok and err:find("only during an evaluation"), err)
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
  const char* source =
      "return { evaluate = function() draw = math.random(1, 1000000) end, "
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

TEST_CASE("a run ends when its cancel flag turns true, and says the engine is stopping") {
  SystemClock clock;
  std::atomic<bool> cancel{false};
  Limits limits;
  limits.cpu = 60 * kNanosPerSecond;
  limits.cancel = &cancel;
  PolicyState state("spin", limits, clock);
  REQUIRE(state.load("return { evaluate = function() while true do end end }", "spin.lua").ok());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  PolicyInputs inputs;
  PolicyOutputs out;
  const RunResult result = state.evaluate(inputs, out);
  stopper.join();
  CHECK(result.failure == Failure::kDeadline);
  CHECK(result.message == "policy spin was stopped: the engine is stopping");
}

namespace {

// host_run(): runs the PolicyState in upvalue 1 (its module's `spin`) from inside another
// state's run, as the test host runs a policy from inside a test file.
int host_run(lua_State* L) {
  auto* inner = static_cast<PolicyState*>(lua_touserdata(L, lua_upvalueindex(1)));
  const RunResult r = inner->call("spin");
  lua_pushstring(L, failure_name(r.failure));
  return 1;
}

}  // namespace

TEST_CASE(
    "a state's deadline is its own: one that passed inside another's run leaves the outer's pcall "
    "ordinary") {
  SystemClock clock;
  Limits short_limits;
  short_limits.cpu = 20 * kNanosPerMilli;
  PolicyState inner("inner", short_limits, clock);
  REQUIRE(inner.load("return { spin = function() while true do end end }", "inner").ok());
  Limits long_limits;
  long_limits.cpu = 10 * kNanosPerSecond;
  PolicyState outer("outer", long_limits, clock);
  lua_pushlightuserdata(outer.lua(), &inner);
  lua_pushcclosure(outer.lua(), host_run, 1);
  lua_setfield(outer.lua(), LUA_GLOBALSINDEX, "host_run");
  REQUIRE(outer
              .load(R"(
    return { check = function()
      local inner = host_run()
      if inner ~= "deadline" then error("the inner run ended " .. inner) end
      local ok, err = pcall(error, "ordinary")  -- caught: the outer run is not past its deadline
      if ok or not tostring(err):find("ordinary") then error("pcall gave " .. tostring(err)) end
    end })",
                    "outer")
              .ok());
  const RunResult r = outer.call("check");
  INFO(r.message);
  CHECK(r.ok());
  CHECK_FALSE(outer.deadline_passed());
  CHECK(PolicyState::of(outer.lua()) == &outer);
  CHECK(PolicyState::of(inner.lua()) == &inner);
}

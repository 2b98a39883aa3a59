// The stdlib's math, checked against hand-computed cases, run inside a real policy sandbox.
#include <catch2/catch.hpp>

#include "setpoint/bindings/policy_state.hpp"

using namespace setpoint;
using namespace setpoint::bindings;

namespace {

const Stdlib& stdlib() {
  static const Stdlib modules = load_stdlib(SETPOINT_STDLIB_DIR).value();
  return modules;
}

// Runs `body` as a policy's evaluate(); an assert failing inside fails the test with its message.
RunResult check(const std::string& body) {
  static SystemClock clock;
  PolicyState state("stdlib-check", {}, clock, &stdlib());
  const RunResult loaded =
      state.load("return { evaluate = function() " + body + " end }", "check.lua");
  if (!loaded.ok()) return loaded;
  return state.call("evaluate");
}

}  // namespace

TEST_CASE("the stdlib loads every module under stdlib/setpoint") {
  CHECK(stdlib().count("setpoint.aimd") == 1);
  CHECK(stdlib().count("setpoint.ewma") == 1);
  CHECK(stdlib().count("setpoint.hysteresis") == 1);
  CHECK(stdlib().count("setpoint.deploys") == 1);
  CHECK(load_stdlib("/nonexistent").error() == "no stdlib at /nonexistent/setpoint");
}

TEST_CASE("require resolves the stdlib only, once per state") {
  CHECK(check("local a = require 'setpoint.aimd'; assert(require 'setpoint.aimd' == a)").ok());
  const RunResult result = check("require 'setpoint.nope'");
  CHECK(result.message ==
        "policy stdlib-check: check.lua:1: require: no module setpoint.nope (only the setpoint.* "
        "stdlib can be required)");
}

TEST_CASE("setpoint.aimd: add when healthy, multiply when congested, within min and max") {
  const RunResult r = check(R"(
    local aimd = require "setpoint.aimd"
    assert(aimd.next(100, false) == 101)
    assert(aimd.next(100, true) == 90)
    assert(aimd.next(100, false, { increase = 5 }) == 105)
    assert(aimd.next(100, true, { decrease = 0.5 }) == 50)
    assert(aimd.next(10, true, { min = 10 }) == 10)
    assert(aimd.next(200, false, { max = 200 }) == 200)
    local ok = pcall(aimd.next, 100, true, { decrease = 1.5 })
    assert(not ok, "decrease must be below 1")
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE("setpoint.ewma: the first sample starts it, then alpha weighs each new one") {
  const RunResult r = check(R"(
    local ewma = require "setpoint.ewma"
    local a = ewma.update(nil, 100, 0.2)
    assert(a == 100)
    a = ewma.update(a, 200, 0.2)          -- 100 + 0.2 * 100
    assert(math.abs(a - 120) < 1e-9)
    a = ewma.update(a, 120, 0.2)
    assert(math.abs(a - 120) < 1e-9)
    assert(math.abs(ewma.alpha_for(9) - 0.2) < 1e-12)
    assert(not pcall(ewma.update, 1, 2, 0))
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE(
    "setpoint.hysteresis: enter at 3 %, leave below 1.5 % sustained, no flapping in between") {
  const RunResult r = check(R"(
    local h = require "setpoint.hysteresis"
    local s, o = {}, { enter = 0.03, exit = 0.015, enter_for = 2, exit_for = 3 }
    local seen = {}
    for _, v in ipairs({ 0.01, 0.035, 0.02, 0.04, 0.05, 0.02, 0.01, 0.014, 0.02, 0.01, 0.01, 0.01 }) do
      seen[#seen + 1] = h.update(s, "degraded", v, o) and 1 or 0
    end
    -- 0.035 alone does not enter (needs 2 in a row); 0.04, 0.05 do; 0.02 between thresholds
    -- keeps it on; 0.01, 0.014 count 2 towards leaving, 0.02 resets; three more below leave.
    local want = { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0 }
    for i = 1, #want do assert(seen[i] == want[i], "step " .. i .. ": " .. table.concat(seen, ",")) end
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE("setpoint.pid: proportional and integral terms, and no windup at a bound") {
  const RunResult r = check(R"(
    local pid = require "setpoint.pid"
    local c = pid.new({ kp = 2, ki = 1, min = 0, max = 10 })
    -- error 1 for 1 s: 2 * 1 + 1 * 1 = 3
    assert(pid.step(c, 5, 4, 1) == 3)
    -- error 1 again: integral 2 → 2 + 2 = 4
    assert(pid.step(c, 5, 4, 1) == 4)
    -- a large error saturates at 10 and the integral stays at 2
    assert(pid.step(c, 100, 0, 1) == 10)
    assert(c.integral == 2, "integral wound up to " .. c.integral)
    -- the guard says saturated: no integration either
    pid.step(c, 5, 4, 1, true)
    assert(c.integral == 2)
    -- derivative: error goes from 1 to 3 over 2 s with kd = 1 → +1
    local d = pid.new({ kd = 1 })
    pid.step(d, 1, 0, 2)
    assert(pid.step(d, 3, 0, 2) == 1)
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE("setpoint.bands: worse at once, better only past the margin") {
  const RunResult r = check(R"(
    local bands = require "setpoint.bands"
    local s, o = {}, { yellow = 0.01, red = 0.05, margin = 0.2 }
    assert(bands.classify(s, "e", 0.001, o) == "green")
    assert(bands.classify(s, "e", 0.06, o) == "red")
    assert(bands.classify(s, "e", 0.045, o) == "red", "0.045 is within 20 % of 0.05")
    assert(bands.classify(s, "e", 0.039, o) == "yellow")
    assert(bands.classify(s, "e", 0.009, o) == "yellow", "0.009 is within 20 % of 0.01")
    assert(bands.classify(s, "e", 0.007, o) == "green")
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE("setpoint.timeouts: p99 with margin, within bounds, rounded") {
  const RunResult r = check(R"(
    local timeouts = require "setpoint.timeouts"
    assert(timeouts.from_percentile(200) == 300)
    assert(timeouts.from_percentile(200, { margin = 0.25 }) == 250)
    assert(timeouts.from_percentile(20, { min = 100 }) == 100)
    assert(timeouts.from_percentile(9000, { max = 5000 }) == 5000)
    assert(timeouts.from_percentile(201, { round = 50 }) == 350)
    assert(timeouts.from_percentile(nil) == nil)
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE("setpoint.retry_budget: a share of requests plus a floor") {
  const RunResult r = check(R"(
    local b = require "setpoint.retry_budget"
    assert(b.limit(1000, { ratio = 0.1, min_per_s = 5 }) == 105)
    assert(b.limit(0, { ratio = 0.1, min_per_s = 5 }) == 5)
    assert(b.exceeded(1000, 106, { ratio = 0.1, min_per_s = 5 }))
    assert(not b.exceeded(1000, 105, { ratio = 0.1, min_per_s = 5 }))
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE(
    "setpoint.circuit: opens past 3x baseline, waits the cooldown, probes, never flaps inside it") {
  const RunResult r = check(R"(
    local circuit = require "setpoint.circuit"
    local s, o = {}, { threshold = 3, cooldown = 900, now = 0 }
    local function at(t, rate, baseline) o.now = t return circuit.update(s, "rule", rate, baseline, o) end
    assert(at(0, 0.02, 0.01).state == "closed", "2x is not past 3x")
    local c = at(10, 0.05, 0.01)
    assert(c.state == "open" and c.changed == "open")
    c = at(500, 0.001, 0.01)
    assert(c.state == "open" and c.changed == nil, "open for the whole cooldown")
    c = at(910, 0.05, 0.01)
    assert(c.state == "open" and c.changed == nil, "the probe failed: open again")
    c = at(1810, 0.001, 0.01)
    assert(c.state == "closed" and c.changed == "closed")
    -- A new rule with no baseline uses the default (0.01): 0.04 is past 3x.
    assert(circuit.update({}, "new", 0.04, nil, { now = 0 }).state == "open")
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE("setpoint.shed: 1 - (load - threshold) / (1 - threshold), never for critical work") {
  const RunResult r = check(R"(
    local shed = require "setpoint.shed"
    assert(shed.admit_rate(0.5, { threshold = 0.8 }) == 1)
    assert(math.abs(shed.admit_rate(0.9, { threshold = 0.8 }) - 0.5) < 1e-12)
    assert(shed.admit_rate(1.2, { threshold = 0.8 }) == 0)
    assert(shed.admit_rate(1.2, { threshold = 0.8, priority = "critical" }) == 1)
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE(
    "setpoint.error_budget: burn rate over the SLO's allowance, fast when both windows burn") {
  const RunResult r = check(R"(
    local b = require "setpoint.error_budget"
    assert(math.abs(b.burn_rate(0.01, 0.999) - 10) < 1e-9)
    assert(b.burning_fast(0.02, 0.015, { slo = 0.999 }))
    assert(not b.burning_fast(0.02, 0.01, { slo = 0.999 }), "the long window burns at 10 only")
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE(
    "setpoint.gradient: grow by sqrt(limit) while latencies agree, shrink with a clamped gradient, "
    "smoothed") {
  const RunResult r = check(R"(
    local g = require "setpoint.gradient"
    local function near(a, b) assert(math.abs(a - b) < 1e-9, a .. " ~= " .. b) end
    -- agree: gradient 1, estimate 100 + 10 = 110, smoothed 100 * 0.8 + 110 * 0.2 = 102
    near(g.next(100, 10, 10), 102)
    -- 4x slower: 1.5 * 10 / 40 = 0.375, clamped to 0.5: estimate 60, smoothed 92
    near(g.next(100, 40, 10), 92)
    -- within tolerance (1.2x slower): gradient min(1, 1.25) = 1
    near(g.next(100, 12, 10), 102)
    near(g.next(100, 40, 10, { min = 95 }), 95)
    near(g.next(100, 10, 10, { max = 101 }), 101)
  )");
  INFO(r.message);
  CHECK(r.ok());
}

TEST_CASE("setpoint.stats: the core's figures inside the sandbox, as setpoint compare gives them") {
  // The "textbook" case of tests/core/stats/data/scipy_cases.txt.
  const std::string samples =
      "local stats = require 'setpoint.stats' "
      "local control = {6.2, 7.9, 8.3, 9.1, 10.4, 11.7} "
      "local canary = {5.1, 5.8, 6.0, 7.2, 7.7, 8.0, 8.8} ";
  const auto near = [](const char* expr, const char* value) {
    return std::string("assert(math.abs(") + expr + " - " + value + ") <= 1e-9 * math.abs(" +
           value + "), '" + expr + " is ' .. tostring(" + expr + ")) ";
  };
  const RunResult r = check(
      samples + "local t = stats.mann_whitney(control, canary) assert(t.u == 35) " +
      near("t.p_two_sided", "0.05378408886239828") + near("t.p_less", "0.9808406184252932") +
      near("t.p_two_sided_exact", "0.05128205128205128") +
      "assert(t.ties == false and t.n_control == 6 and t.n_canary == 7) " +
      "local w = stats.welch(control, canary) " + near("w.t", "2.118423985286274") +
      near("w.df", "8.724869313421806") + "local hl = stats.hodges_lehmann(control, canary) " +
      near("hl.estimate", "-2.0000000000000004") + near("hl.lo", "-4.4") +
      "assert(hl.level == 0.95) " + "local q = stats.quantiles(control) " +
      near("q.p99", "11.635") + near("stats.quantile(canary, 0.9)", "8.32") +
      "local all = stats.compare(control, canary) assert(all.u == 35 and all.welch.p > 0.06) " +
      near("all.hl_ci[2]", "0.09999999999999964") + near("all.quantiles.canary.p50", "7.2") +
      near("stats.relative_change(200, 180)", "-0.1") +
      "assert(stats.relative_change(0, 1) == nil) " +
      "local none, why = stats.welch({1}, {1, 2}) " +
      "assert(none == nil and why == \"Welch's t-test needs at least two values on each side\") " +
      "assert(stats.compare({2, 2}, {2, 2}).welch_error ~= nil)");
  CHECK(r.ok());
  INFO(r.message);
}

TEST_CASE("setpoint.stats refuses hostile arrays with the argument and the place") {
  const std::pair<std::string, std::string> cases[] = {
      {"stats.mann_whitney({}, {1})", "stats.mann_whitney: control is empty"},
      {"stats.mann_whitney({1}, 'x')", "stats.mann_whitney: canary must be an array of numbers"},
      {"stats.welch({1, 'a'}, {1})", "stats.welch: control[2] is string, not a number"},
      {"stats.quantiles({1, 0/0})", "stats.quantiles: values[2] is not a finite number"},
      {"stats.compare({1}, {math.huge})", "stats.compare: canary[1] is not a finite number"},
      {"stats.quantile({1}, 2)", "stats.quantile: q must be a number from 0 to 1"},
      {"stats.hodges_lehmann({1}, {2}, 1)",
       "stats.hodges_lehmann: level must be a number between 0 and 1"},
      {"stats.quantiles({1, true})", "stats.quantiles: values[2] is boolean, not a number"},
      {"stats.quantiles({1, {}})", "stats.quantiles: values[2] is table, not a number"},
      // Finite, yet beyond double precision together: an error with a sentence, never a throw.
      {"stats.quantile({1e200, -1e200}, 0.5)",
       "stats.quantile: values: the values are too large for their mean and variance in double "
       "precision"},
      {"stats.mann_whitney({1}, {1e308, 1e308})", "stats.mann_whitney: canary: the values are"},
      // __index and __len never run in the host: the table is read raw.
      {"stats.quantiles(setmetatable({}, {__len = function() return 5 end, "
       "__index = function() return 1 end}))",
       "stats.quantiles: values is empty"},
      {"local t = {} for i = 1, 100001 do t[i] = i end stats.quantiles(t)",
       "stats.quantiles: values has more than 100000 values"},
  };
  for (const auto& [call, message] : cases) {
    INFO(call);
    const RunResult r = check("local stats = require 'setpoint.stats' " + call);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message.find(message) != std::string::npos);
  }
  // The native half reaches a policy only through the module: it is no global.
  CHECK(check("require 'setpoint.stats' assert(native == nil and stats == nil)").ok());
}

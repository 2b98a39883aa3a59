// The ctx API a policy is given (ctx.cpp): windows, series, params, proposals, logs, state.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checkout_inputs.hpp"
#include "setpoint/bindings/policy_state.hpp"
#include "setpoint/windows/series.hpp"

using namespace setpoint;
using namespace setpoint::bindings;
using namespace checkout_inputs;

TEST_CASE("the reference AIMD policy reads a window and a parameter and proposes a change") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = run(R"(
    local function aimd(limit, congested) if congested then return limit * 0.9 else return limit + 1 end end
    return {
      name = "checkout-concurrency",
      evaluate = function(ctx)
        local m = ctx:window("http.server", { service = "checkout" }, "1m")
        if m.count < 100 then return end
        local limit = ctx:param("checkout.max_concurrency")
        ctx:set("checkout.max_concurrency", aimd(limit, m.p99 > 250 or m.error_rate > 0.02),
                { reason = ("p99=%.0fms"):format(m.p99) })
      end,
    })",
                               f, out);
  INFO(result.message);
  REQUIRE(result.ok());
  REQUIRE(out.proposals.size() == 1);
  CHECK(out.proposals[0].target == "checkout.max_concurrency");
  CHECK(std::get<double>(out.proposals[0].value) == Approx(90));
  CHECK(out.proposals[0].reason == "p99=412ms");
  const auto evidence = nlohmann::json::parse(out.evidence());
  CHECK(evidence["http.server{service=checkout}@1m"]["p99"] == 412);
  CHECK(evidence["http.server{service=checkout}@1m"]["count"] == 1200);
}

TEST_CASE("ctx: windows give every statistic, outcomes, and count 0 for unknown series") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = run(R"(
    return { evaluate = function(ctx)
      local m = ctx:window("http.server", { service = "checkout" }, 60)
      assert(m.count == 1200 and m.rate == 20 and m.outcomes.error == 12 and m.outcomes.ok == 1188)
      local none = ctx:window("nothing", nil, "10s")
      assert(none.count == 0 and none.p99 == nil, "no data reads as count 0 and no quantiles")
      assert(ctx:now() == 1795168800)
      ctx:act("disable_rule", { rule = "geo-block", minutes = 15 }, { reason = "3x baseline" })
      ctx:alert("checkout is degraded")
      ctx:log("looked at checkout")
    end })",
                               f, out);
  INFO(result.message);
  REQUIRE(result.ok());
  REQUIRE(out.proposals.size() == 1);
  CHECK(out.proposals[0].kind == Proposal::Kind::kAct);
  CHECK(out.proposals[0].args.size() == 2);
  CHECK(out.alerts == std::vector<std::string>{"checkout is degraded"});
  CHECK(out.logs == std::vector<std::string>{"looked at checkout"});
}

TEST_CASE("ctx:series lists the label sets of a metric's series") {
  Fixture f;
  f.inputs.series = [](const std::string& metric) {
    std::vector<Labels> out;
    if (metric == "http.server")
      out = {{{"service", "checkout"}}, {{"service", "search"}, {"route", "/q"}}};
    return out;
  };
  PolicyOutputs out;
  const RunResult result = run(R"(return { evaluate = function(ctx)
    local all = ctx:series("http.server")
    assert(#all == 2 and all[1].service == "checkout" and all[2].route == "/q")
    assert(#ctx:series("nothing") == 0)
    for _, labels in ipairs(all) do ctx:window("http.server", labels, "1m") end
  end })",
                               f, out);
  INFO(result.message);
  CHECK(result.ok());
}

TEST_CASE("ctx: every argument is checked, and the error names the file and line") {
  Fixture f;
  struct Case {
    const char* code;
    const char* message;
  };
  const Case cases[] = {
      {"ctx:set(5, 1)", "checkout.lua:1: ctx:set: the parameter must be a string"},
      {"ctx:set('x')", "checkout.lua:1: ctx:set: no value for x"},
      {"ctx:set('x', {})",
       "checkout.lua:1: ctx:set: the value must be a number, boolean or string, not table"},
      {"ctx:set('x', 1, 'why')",
       "checkout.lua:1: options must be a table like { reason = \"...\" }"},
      {"ctx:window('m', {}, 'forever')",
       "checkout.lua:1: ctx:window: span \"forever\" is not a duration like 10s, 1m or 1h"},
      {"ctx:window('m', {}, '3d')",
       "checkout.lua:1: ctx:window: span 3d is not positive or longer than the longest window"},
      {"ctx:window('m', { k = {} }, '1m')",
       "checkout.lua:1: ctx:window: label k must be a string or number"},
      {"ctx:param('nope')", "checkout.lua:1: ctx:param: no parameter nope in config"},
      {"ctx:act('a', 'b')", "checkout.lua:1: ctx:act: arguments must be a table of name = value"},
      {"ctx:alert(string.rep('x', 2000))",
       "checkout.lua:1: ctx:alert: the message is longer than 1024 bytes"},
      {"for i = 1, 101 do ctx:set('x', i) end",
       "checkout.lua:1: more than 100 proposals in one evaluation"},
  };
  for (const auto& c : cases) {
    INFO(c.code);
    PolicyOutputs out;
    const RunResult result =
        run(std::string("return { evaluate = function(ctx) ") + c.code + " end }", f, out);
    CHECK(result.failure == Failure::kRuntime);
    CHECK(result.message == std::string("policy checkout-concurrency: ") + c.message);
    CHECK(out.proposals.empty());  // a failed evaluation proposes nothing
  }
}

TEST_CASE("ctx kept and used outside an evaluation is refused") {
  Fixture f;
  PolicyState state("keeper", {}, f.clock);
  REQUIRE(state.load("return { evaluate = function(ctx) kept = ctx end }", "keeper.lua").ok());
  PolicyOutputs first;
  REQUIRE(state.evaluate(f.inputs, first).ok());
  // Code that runs while a file loads is outside any evaluation.
  const RunResult result = state.load("kept:set('x', 1) return {}", "again.lua");
  CHECK(result.message == "policy keeper: again.lua:1: ctx used outside an evaluation");
}

TEST_CASE("ctx: windows with many labels, numbers among them") {
  Fixture f;
  PolicyOutputs out;
  std::string labels;
  for (int i = 0; i < 40; ++i) labels += "l" + std::to_string(i) + " = " + std::to_string(i) + ", ";
  const RunResult result = run("return { evaluate = function(ctx) local m = ctx:window('m', { " +
                                   labels + "} , '1m') assert(m.count == 0) end }",
                               f, out);
  INFO(result.message);
  CHECK(result.ok());
  const auto evidence = nlohmann::json::parse(out.evidence());
  REQUIRE(evidence.size() == 1);
  CHECK(evidence.begin().key().rfind("m{l0=0,l1=1,l10=10,", 0) == 0);
}

TEST_CASE("ctx:log is rate-limited per evaluation") {
  Fixture f;
  PolicyOutputs out;
  REQUIRE(run("return { evaluate = function(ctx) for i = 1, 50 do ctx:log('line ' .. i) end end }",
              f, out)
              .ok());
  CHECK(out.logs.size() == kMaxLogs + 1);
  CHECK(out.logs.back() == "(further log lines dropped this evaluation)");
}

TEST_CASE("ctx.state survives evaluations, and a new state (reload) through its JSON") {
  Fixture f;
  PolicyState first("counter", {}, f.clock);
  const char* source = R"(return { evaluate = function(ctx)
    ctx.state.n = (ctx.state.n or 0) + 1
    ctx.state.history = ctx.state.history or {}
    ctx.state.history[#ctx.state.history + 1] = ctx.state.n * 10
    ctx.state.nested = { ok = true, name = "x" }
  end })";
  REQUIRE(first.load(source, "counter.lua").ok());
  for (int i = 0; i < 3; ++i) {
    PolicyOutputs out;
    REQUIRE(first.evaluate(f.inputs, out).ok());
  }
  const auto saved = first.save_state();
  REQUIRE(saved);
  CHECK(nlohmann::json::parse(*saved) ==
        nlohmann::json::parse(R"({"n":3,"history":[10,20,30],"nested":{"ok":true,"name":"x"}})"));
  PolicyState second("counter", {}, f.clock);
  REQUIRE(second.load(source, "counter.lua").ok());
  REQUIRE(second.restore_state(*saved));
  PolicyOutputs out;
  REQUIRE(second.evaluate(f.inputs, out).ok());
  CHECK(nlohmann::json::parse(*second.save_state())["n"] == 4);
}

TEST_CASE("ctx.state keeps plain data only, and says where the rest is") {
  Fixture f;
  struct Case {
    const char* code;
    const char* error;
  };
  const Case cases[] = {
      {"ctx.state.f = function() end", "policy keeper: ctx.state.f: a function cannot be kept"},
      {"ctx.state.a = { b = { 0/0 } }",
       "policy keeper: ctx.state.a.b[1]: NaN and infinities cannot be kept"},
      {"ctx.state.t = { [true] = 1 }",
       "policy keeper: ctx.state.t: a boolean key cannot be kept (keys are strings, or a list's "
       "1..n)"},
      {"local t = {} t.self = t ctx.state.loop = t",
       "policy keeper: "
       "ctx.state.loop.self.self.self.self.self.self.self.self.self.self.self.self.self.self.self."
       "self.self.self.self.self.self.self.self.self.self.self.self.self.self.self.self: nested "
       "deeper than 32 (a cycle?)"},
  };
  for (const auto& c : cases) {
    INFO(c.code);
    PolicyState state("keeper", {}, f.clock);
    REQUIRE(
        state.load(std::string("return { evaluate = function(ctx) ") + c.code + " end }", "k.lua")
            .ok());
    PolicyOutputs out;
    REQUIRE(state.evaluate(f.inputs, out).ok());
    const auto saved = state.save_state();
    CHECK(!saved);
    CHECK(saved.error() == c.error);
  }
  PolicyState state("keeper", {}, f.clock);
  CHECK(state.restore_state("[1,2]"));  // a list is data too
  const auto number = state.restore_state("5");
  CHECK_FALSE(number);
  CHECK(number.error() == "policy keeper: the kept state is not a JSON object or list");
}

TEST_CASE("more than 4096 window reads in one evaluation is an error, not a 24 MB decision") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = run(R"(return { evaluate = function(ctx)
      for i = 1, 5000 do ctx:window("m" .. i, {}, "1m") end
    end })",
                               f, out);
  CHECK(result.failure == Failure::kRuntime);
  CHECK(result.message.find("ctx:window: more than 4096 window reads in one evaluation") !=
        std::string::npos);
  CHECK(out.reads.empty());  // a failed evaluation proposes and records nothing
}

TEST_CASE("what a policy says is kept as one printable line") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = run(R"(return { evaluate = function(ctx)
      ctx:log("a\nb\27[31m\255")
      ctx:set("checkout.max_concurrency", 1, { reason = "r\r\n\194\155" })
    end })",
                               f, out);
  REQUIRE(result.ok());
  CHECK(out.logs == std::vector<std::string>{"a\\nb\\x1b[31m\xef\xbf\xbd"});
  REQUIRE(out.proposals.size() == 1);
  CHECK(out.proposals[0].reason == "r\\r\\n\\u009b");
}

TEST_CASE("ctx:history gives the span's periods and its whole-span stats, and says how much") {
  Fixture f;
  std::string asked_key;
  Nanos asked_span = 0, asked_by = 0;
  f.inputs.history = [&](const std::string& key, Nanos span,
                         Nanos by) -> Result<history::HistoryAnswer> {
    asked_key = key;
    asked_span = span;
    asked_by = by;
    history::HistoryAnswer a;
    a.hours_asked = 168;
    a.hours_found = 30;
    a.total.count = 3000;
    a.total.p99 = 640;
    a.total.outcomes[OutcomeSet::kError] = 30;
    history::Period day;
    day.start = Nanos{1'795'132'800} * kNanosPerSecond;
    day.span = 24 * 3600 * kNanosPerSecond;
    day.hours = 24;
    day.stats.count = 2400;
    day.stats.p99 = 500;
    a.periods = {day, day};
    a.periods[1].start += day.span;
    a.periods[1].hours = 6;
    return a;
  };
  PolicyOutputs out;
  const RunResult result = run(R"(
    return { evaluate = function(ctx)
      local h = ctx:history("http.server", { service = "checkout" }, "7d")
      assert(h.hours_asked == 168 and h.hours_found == 30)
      assert(h.total.count == 3000 and h.total.p99 == 640 and h.total.outcomes.error == 30)
      assert(h.total.p50 == nil, "a stat with no data is absent, not NaN")
      assert(#h.periods == 2 and h.periods[1].start == 1795132800 and h.periods[1].hours == 24)
      assert(h.periods[2].hours == 6 and h.periods[2].p99 == 500)
      ctx:history("http.server", nil, 3600, { by = "1h" })
    end })",
                               f, out);
  INFO(result.message);
  REQUIRE(result.ok());
  CHECK(asked_key == "http.server{}");
  CHECK(asked_span == 3600 * kNanosPerSecond);
  CHECK(asked_by == 3600 * kNanosPerSecond);
  CHECK(out.history_reads == 2);
  // What it read of the history is the evidence too (an autopilot cycle's analysis).
  const auto evidence = nlohmann::json::parse(out.evidence());
  const auto& week = evidence["http.server{service=checkout}@7d history"];
  CHECK(week["count"] == 3000);
  CHECK(week["p99"] == 640);
  CHECK(week["hours_found"] == 30);
  CHECK(evidence.contains("http.server{}@1h history"));
}

TEST_CASE("ctx:history: nil without a history; a bad span, option or a failed read is an error") {
  Fixture f;
  PolicyOutputs out;
  REQUIRE(run("return { evaluate = function(ctx) assert(ctx:history('m', nil, '1d') == nil) end }",
              f, out)
              .ok());
  f.inputs.history = [](const std::string&, Nanos, Nanos) -> Result<history::HistoryAnswer> {
    return Error{"kpi_hourly: database is locked"};
  };
  const auto error_of = [&](const std::string& call) {
    PolicyOutputs o;
    return run("return { evaluate = function(ctx) " + call + " end }", f, o).message;
  };
  CHECK(
      error_of("ctx:history('m', nil, '1d')").find("ctx:history: kpi_hourly: database is locked") !=
      std::string::npos);
  CHECK(error_of("ctx:history('m', nil, '10m')")
            .find("ctx:history: span 10m is not from 1h to 400d") != std::string::npos);
  CHECK(error_of("ctx:history('m', nil, '1d', { by = '1w' })")
            .find("ctx:history: by must be \"1h\" or \"1d\", not 1w") != std::string::npos);
  CHECK(error_of("ctx:history('m', nil, '1d', { by = setmetatable({}, { __tostring = error }) })")
            .find("ctx:history: by must be") != std::string::npos);
  // Reads are charged by the hours they ask for, before they run: one too long is refused
  // outright, and the budget runs out across reads.
  f.inputs.history = [](const std::string&, Nanos, Nanos) -> Result<history::HistoryAnswer> {
    return history::HistoryAnswer{};
  };
  CHECK(error_of("ctx:history('m', nil, '400d')")
            .find("ctx:history: 400d would pass the 1200 hours of history one evaluation may read "
                  "(1200 left)") != std::string::npos);
  CHECK(error_of("ctx:history('m', nil, '25d') ctx:history('m', nil, '25d')")
            .find("ctx:history: 25d would pass the 1200 hours of history one evaluation may read "
                  "(599 left)") != std::string::npos);
  CHECK(error_of("for i = 1, 7 do ctx:history('m', nil, '7d') end").empty());
  CHECK(error_of("for i = 1, 33 do pcall(ctx.history, ctx, 'm', nil, '1d') end "
                 "ctx:history('m', nil, '1d')")
            .find("more than 32 history reads") != std::string::npos);
}

TEST_CASE("ctx:window and ctx:history name themselves in a bad metric's error") {
  Fixture f;
  const auto error_of = [&](const std::string& call) {
    PolicyOutputs o;
    return run("return { evaluate = function(ctx) " + call + " end }", f, o).message;
  };
  CHECK(error_of("ctx:window(5, nil, '1m')").find("ctx:window: the metric must be a string") !=
        std::string::npos);
  CHECK(error_of("ctx:history({}, nil, '1d')").find("ctx:history: the metric must be a string") !=
        std::string::npos);
  CHECK(error_of("ctx:window(('x'):rep(2000), nil, '1m')")
            .find("ctx:window: the metric is longer than 1024 bytes") != std::string::npos);
  // A span after labels is read where it was given, not from the label names kept for the key.
  CHECK(error_of("ctx:window('m', { service = 'a' })")
            .find("ctx:window: span must be a duration like \"1m\" or seconds") !=
        std::string::npos);
}

TEST_CASE("ctx:set carries an autopilot change's expected impact and confidence") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = run(R"(
    return { evaluate = function(ctx)
      ctx:set("checkout.max_concurrency", 120, { reason = "7d p99 high",
        expected = { metric = "http.server", labels = { service = "checkout" }, stat = "p99",
                     change = -0.08 },
        confidence = 0.7 })
      ctx:set("checkout.timeout", 2, { expected = { metric = "http.server", stat = "rate_per_s",
        change = 0.05, better = "higher" } })
    end })",
                               f, out);
  INFO(result.message);
  REQUIRE(result.ok());
  REQUIRE(out.proposals.size() == 2);
  const Proposal& p = out.proposals[0];
  REQUIRE(p.expected);
  CHECK(p.expected->series == "http.server{service=checkout}");
  CHECK(p.expected->stat == "p99");
  CHECK(p.expected->change == -0.08);
  CHECK(p.expected->higher_is_worse);
  CHECK(p.confidence == 0.7);
  CHECK(p.reason == "7d p99 high");
  REQUIRE(out.proposals[1].expected);
  CHECK(out.proposals[1].expected->series == "http.server{}");  // as the windows key it
  CHECK_FALSE(out.proposals[1].expected->higher_is_worse);
  CHECK_FALSE(out.proposals[1].confidence);
}

TEST_CASE("ctx:set: a malformed expected impact or confidence is the policy's error") {
  Fixture f;
  struct Case {
    const char* options;
    const char* message;
  };
  const Case cases[] = {
      {"{ expected = 5 }",
       "ctx:set: expected must be a table like { metric = ..., stat = \"p99\", change = -0.08 }"},
      {"{ expected = { stat = 'p99', change = 0 } }", "ctx:set: expected.metric must be a string"},
      {"{ expected = { metric = 'm', stat = 'p42', change = 0 } }",
       "ctx:set: expected.stat \"p42\" is not one of rate_per_s, success_rate, error_rate, p50, "
       "p90, p95, p99, mean, min, max or sum"},
      {"{ expected = { metric = 'm', stat = 'p99', change = 0/0 } }",
       "ctx:set: expected.change must be a finite number"},
      {"{ expected = { metric = 'm', stat = 'p99' } }",
       "ctx:set: expected.change must be a finite number"},
      {"{ expected = { metric = 'm', stat = 'p99', change = 0, better = 'up' } }",
       "ctx:set: expected.better must be \"lower\" or \"higher\""},
      {"{ expected = { metric = 'm', labels = { a = {} }, stat = 'p99', change = 0 } }",
       "ctx:set: expected.labels must map strings to strings"},
      {"{ confidence = 1.5 }", "ctx:set: confidence must be between 0 and 1"},
      {"{ confidence = 'high' }", "ctx:set: confidence must be a finite number"},
  };
  for (const auto& c : cases) {
    INFO(c.options);
    PolicyOutputs out;
    const RunResult result = run(
        std::string("return { evaluate = function(ctx) ctx:set('x', 1, ") + c.options + ") end }",
        f, out);
    CHECK(result.failure == Failure::kRuntime);
    CHECK(result.message ==
          std::string("policy checkout-concurrency: checkout.lua:1: ") + c.message);
  }
}

TEST_CASE("ctx:set reads its options raw: a metatable's __index never runs in the host") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = run(R"(
    return { evaluate = function(ctx)
      local trap = setmetatable({}, { __index = function() while true do end end })
      local expected = setmetatable({ metric = "m", stat = "p99", change = 0 }, getmetatable(trap))
      ctx:set("x", 1, setmetatable({ expected = expected }, getmetatable(trap)))
    end })",
                               f, out);
  INFO(result.message);
  REQUIRE(result.ok());
  REQUIRE(out.proposals.size() == 1);
  CHECK(out.proposals[0].expected);
  CHECK_FALSE(out.proposals[0].confidence);  // a nil raw field, not the trap's answer
}

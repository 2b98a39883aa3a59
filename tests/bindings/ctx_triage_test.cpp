// ctx:bounds, ctx:suggest_bounds, ctx:period and ctx:report (ctx_triage.cpp): what a policy
// that reviews the past reads and hands over, and every hostile argument refused.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checkout_inputs.hpp"
#include "setpoint/bindings/policy_info.hpp"
#include "setpoint/bindings/policy_state.hpp"

using namespace setpoint;
using namespace setpoint::bindings;
using namespace checkout_inputs;

namespace {

constexpr Nanos kNow = Nanos{1'795'168'800} * kNanosPerSecond;
constexpr Nanos kWeek = 7 * 24 * 3600 * kNanosPerSecond;

void with_bounds(Fixture& f) {
  f.inputs.bounds = [](std::string_view name) -> std::optional<ParamBounds> {
    if (name == "checkout.max_concurrency") return ParamBounds{100, 10, 500, 80.0, 150.0, false};
    if (name == "checkout.timeout_ms") return ParamBounds{800, 100, 5000, {}, {}, false};
    return std::nullopt;
  };
}

RunResult evaluate(const std::string& body, Fixture& f, PolicyOutputs& out) {
  return run("return { evaluate = function(ctx) " + body + " end }", f, out);
}

}  // namespace

TEST_CASE("ctx:bounds: the hard bounds, the value and the operating range as plain numbers") {
  Fixture f;
  with_bounds(f);
  PolicyOutputs out;
  const RunResult result = evaluate(R"(
      local b = ctx:bounds("checkout.max_concurrency")
      assert(b.value == 100 and b.min == 10 and b.max == 500)
      assert(b.operating.min == 80 and b.operating.max == 150 and b.operating.frozen == false)
      assert(getmetatable(b) == nil)
      assert(ctx:bounds("checkout.timeout_ms").operating == nil)
      local ok, err = pcall(ctx.bounds, ctx, "checkout.mode")
      assert(not ok and err:find("no numeric parameter"), err))",
                                    f, out);
  INFO(result.message);
  CHECK(result.ok());
}

TEST_CASE("ctx:suggest_bounds: a bounds patch proposal with its rationale and confidence") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = evaluate(R"(
      ctx:suggest_bounds("checkout.max_concurrency", {80, 150},
                         { rationale = "3 rollbacks above 150", confidence = 0.75 })
      ctx:suggest_bounds("checkout.timeout_ms", { min = 200, max = 900 }))",
                                    f, out);
  INFO(result.message);
  REQUIRE(result.ok());
  REQUIRE(out.proposals.size() == 2);
  const Proposal& p = out.proposals[0];
  CHECK(p.kind == Proposal::Kind::kBounds);
  CHECK(p.target == "checkout.max_concurrency");
  CHECK(p.bounds_min == 80);
  CHECK(p.bounds_max == 150);
  CHECK(p.reason == "3 rollbacks above 150");
  CHECK(p.confidence == 0.75);
  CHECK(out.proposals[1].bounds_min == 200);
  CHECK_FALSE(out.proposals[1].confidence);
}

TEST_CASE("ctx:suggest_bounds refuses hostile arguments, and reads its tables raw") {
  const std::pair<std::string, std::string> cases[] = {
      {"ctx:suggest_bounds('x', 5)", "the bounds must be a table like { 80, 120 }"},
      {"ctx:suggest_bounds('x', {1})", "the bounds need both a min and a max"},
      {"ctx:suggest_bounds('x', { min = 1 })", "the bounds need both a min and a max"},
      {"ctx:suggest_bounds('x', {0/0, 1})", "ctx:suggest_bounds: the min"},
      {"ctx:suggest_bounds('x', {1, 'two'})", "ctx:suggest_bounds: the max"},
      {"ctx:suggest_bounds('x', {1, 2}, 'why')", "options must be a table"},
      {"ctx:suggest_bounds('x', {1, 2}, { confidence = 2 })", "confidence must be between 0 and 1"},
      {"ctx:suggest_bounds('x', {1, 2}, { rationale = {} })", "ctx:suggest_bounds: rationale"},
      {"ctx:suggest_bounds(nil, {1, 2})", "ctx:suggest_bounds: the parameter"},
      {"for i = 1, 101 do ctx:suggest_bounds('x', {1, 2}) end", "more than 100 proposals"},
  };
  for (const auto& [call, message] : cases) {
    INFO(call);
    Fixture f;
    PolicyOutputs out;
    const RunResult result = evaluate(call, f, out);
    REQUIRE_FALSE(result.ok());
    INFO(result.message);
    CHECK(result.message.find(message) != std::string::npos);
  }
  Fixture f;
  PolicyOutputs out;
  const RunResult result = evaluate(R"(
      local asked = false
      local trap = { __index = function() asked = true return 1 end }
      ctx:suggest_bounds("x", setmetatable({ min = 1, max = 2 }, trap),
                         setmetatable({}, trap))
      assert(not asked))",
                                    f, out);
  INFO(result.message);
  CHECK(result.ok());
}

TEST_CASE("ctx:period and ctx:report belong to a triage run") {
  Fixture f;
  PolicyOutputs out;
  RunResult result = evaluate("ctx:period()", f, out);
  CHECK(result.message.find("ctx:period: only a triage policy (triage = true) has a period") !=
        std::string::npos);
  result = evaluate("ctx:report({})", f, out);
  CHECK(result.message.find("ctx:report: only a triage policy") != std::string::npos);

  f.inputs.period_start = kNow - kWeek;
  PolicyOutputs ok;
  result = evaluate(R"(
      local from, to = ctx:period()
      assert(to - from == 7 * 86400 and to == ctx:now(), from .. " " .. to)
      ctx:report{ summary = "a quiet week", categories = { stability = { count = 0 } } })",
                    f, ok);
  INFO(result.message);
  REQUIRE(result.ok());
  REQUIRE(ok.report);
  const auto doc = nlohmann::json::parse(*ok.report);
  CHECK(doc["summary"] == "a quiet week");
  CHECK(doc["categories"]["stability"]["count"] == 0);

  const std::pair<std::string, std::string> cases[] = {
      {"ctx:report('text')", "the report must be a table"},
      {"ctx:report{1, 2}", "a table of named fields, not a list"},
      {"ctx:report{ f = function() end }", "ctx:report.f"},
      {"ctx:report{} ctx:report{}", "one report a run"},
      {"local t = {} t.self = t ctx:report(t)", "ctx:report"},
      {"local s = string.rep('x', 100000) local t = {} for i = 1, 12 do t['k' .. i] = s end "
       "ctx:report(t)",
       "more than 1 MiB"},
  };
  for (const auto& [call, message] : cases) {
    INFO(call);
    PolicyOutputs bad;
    const RunResult r = evaluate(call, f, bad);
    REQUIRE_FALSE(r.ok());
    INFO(r.message);
    CHECK(r.message.find(message) != std::string::npos);
  }
}

TEST_CASE("policy info: triage = true or { window }, on a schedule, never an autopilot too") {
  const auto info = [](const std::string& fields, std::vector<std::string>& problems) {
    static ManualClock clock{0};
    PolicyState state("t", {}, clock);
    REQUIRE(state.load("return { evaluate = function() end, " + fields + " }", "t.lua").ok());
    return read_policy_info(state, "t", problems);
  };
  std::vector<std::string> problems;
  auto i = info("triage = true, schedule = 'weekly sun 02:00'", problems);
  REQUIRE(i);
  REQUIRE(i->triage);
  CHECK(i->triage->window == kWeek);
  i = info("triage = { window = '14d' }", problems);
  REQUIRE(i);
  CHECK(i->triage->window == 2 * kWeek);
  CHECK(!info("triage = false", problems)->triage);
  CHECK(problems.empty());
  const std::pair<std::string, std::string> cases[] = {
      {"triage = 'yes'", "triage must be true or a table like { window = \"7d\" }"},
      {"triage = { window = '10m' }", "triage.window must be a duration from 1h to 90d"},
      {"triage = { every = '7d' }", "triage has an unknown field every (window)"},
      {"triage = true, every = '1h'", "a triage policy runs on a schedule"},
      {"triage = true, autopilot = {}", "an autopilot or a triage policy, not both"},
  };
  for (const auto& [fields, message] : cases) {
    INFO(fields);
    std::vector<std::string> said;
    CHECK_FALSE(info(fields, said));
    REQUIRE(!said.empty());
    CHECK(said[0].find(message) != std::string::npos);
  }
}

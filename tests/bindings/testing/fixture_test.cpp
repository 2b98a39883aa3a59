// Fixtures: what a policy sees in one evaluation, written as JSON (for `setpoint eval` and a
// *_test.lua's t.evaluate).
#include "setpoint/testing/fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace setpoint;
using namespace setpoint::bindings::testing;
using nlohmann::json;

namespace {

std::string error_of(const std::string& text, OutcomeSet& outcomes) {
  return parse_fixture(json::parse(text), outcomes, "f.json").error();
}

}  // namespace

TEST_CASE("fixture: windows by span, a * for any span, params, state and the time") {
  OutcomeSet outcomes;
  auto parsed = parse_fixture(json::parse(R"({
      "now": "2026-11-20T10:00:00Z",
      "windows": {"http{svc=a}": {"1m": {"count": 100, "p99": 250, "error_rate": 0.1,
                                         "outcomes": {"ok": 90, "shed": 10}},
                                  "*": {"count": 7}}},
      "params": {"limit": 50, "degraded": false, "route": "primary"},
      "state": {"n": 3}})"),
                              outcomes, "f.json");
  REQUIRE(parsed.ok());
  const Fixture& f = parsed.value();
  CHECK(f.now == Nanos{1'795'168'800} * kNanosPerSecond);
  CHECK(f.state == R"({"n":3})");
  const auto in = f.inputs(outcomes);
  const auto minute = in.window("http{svc=a}", 60 * kNanosPerSecond);
  REQUIRE(minute);
  CHECK(minute->count == 100);
  CHECK(minute->p99 == 250);
  CHECK(minute->success_rate == Approx(0.9));  // left out: what a read would give
  CHECK(std::isnan(minute->p50));
  CHECK(minute->outcomes[*outcomes.find("shed")] == 10);              // named outcomes are declared
  CHECK(in.window("http{svc=a}", 10 * kNanosPerSecond)->count == 7);  // the * entry
  CHECK(in.window("other{}", 60 * kNanosPerSecond)->count == 0);      // unknown: count 0
  CHECK_FALSE(in.window("http{svc=a}", 0));
  CHECK(std::get<double>(*in.param("limit")) == 50);
  CHECK(std::get<bool>(*in.param("degraded")) == false);
  CHECK(std::get<std::string>(*in.param("route")) == "primary");
  CHECK_FALSE(in.param("nope"));
  REQUIRE(in.series("http").size() == 1);
}

TEST_CASE("fixture: every mistake names its place") {
  OutcomeSet outcomes;
  CHECK(error_of("[]", outcomes) == "f.json: a fixture is an object");
  CHECK(error_of(R"({"window": {}})", outcomes) ==
        "f.json: unknown key \"window\" (expected now, windows, params, state)");
  CHECK(error_of(R"({"now": "yesterday"})", outcomes) ==
        "f.json: now: expected an RFC 3339 time or epoch seconds");
  CHECK(error_of(R"({"windows": {"s": {"1 minute": {}}}})", outcomes) ==
        "f.json: windows.s.1 minute: not a span like 1m");
  CHECK(error_of(R"({"windows": {"s": {"1m": {"p99": "high"}}}})", outcomes) ==
        "f.json: windows.s.1m.p99: expected a number");
  CHECK(error_of(R"({"params": {"x": [1]}})", outcomes) ==
        "f.json: params.x: expected a number, boolean or string");
  CHECK(error_of(R"({"state": 5})", outcomes) == "f.json: state: expected an object");
}

TEST_CASE("fixture: what a policy proposed, as one JSON document") {
  bindings::PolicyOutputs out;
  out.proposals.push_back(Proposal::set("p", "limit", 55.0, "why"));
  out.proposals.push_back(Proposal::act("p", "disable_rule", {{"rule", std::string("r1")}}));
  out.logs.push_back("hello");
  const json doc = outputs_json(out, R"({"n":1})");
  CHECK(doc["proposals"][0] ==
        json::parse(R"({"kind":"set","target":"limit","reason":"why","value":55})"));
  CHECK(doc["proposals"][1]["args"] == json::parse(R"({"rule":"r1"})"));
  CHECK(doc["logs"] == json::parse(R"(["hello"])"));
  CHECK(doc["state"] == json::parse(R"({"n":1})"));
  CHECK(value_json(55.0).is_number_integer());  // 55, not 55.0
  CHECK(value_json(0.5) == 0.5);
  CHECK(value_json(true) == true);
}

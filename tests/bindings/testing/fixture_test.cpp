// Fixtures: what a policy sees in one evaluation, written as JSON (for `setpoint eval` and a
// *_test.lua's t.evaluate).
#include "setpoint/testing/fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/must.hpp"

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

TEST_CASE("fixture: a history answer by series and span; none given, ctx:history is nil") {
  OutcomeSet outcomes;
  auto parsed = parse_fixture(json::parse(R"({
      "now": "2026-11-20T03:00:00Z",
      "history": {"http{svc=a}": {"7d": {"total": {"count": 7000, "p99": 210},
                                          "periods": [{"count": 1000, "p99": 200}, {}],
                                          "hours_found": 30}}}})"),
                              outcomes, "f.json");
  REQUIRE(parsed.ok());
  const auto in = parsed.value().inputs(outcomes);
  REQUIRE(in.history);
  constexpr Nanos kDay = 86400 * kNanosPerSecond;
  const auto week = must(in.history("http{svc=a}", 7 * kDay, kDay));
  CHECK(week.total.p99 == 210);
  CHECK(week.hours_found == 30);
  CHECK(week.hours_asked == 168);
  REQUIRE(week.periods.size() == 2);
  CHECK(week.periods[0].stats.p99 == 200);
  CHECK(week.periods[1].start - week.periods[0].start == kDay);
  const auto none = must(in.history("other{}", 7 * kDay, kDay));
  CHECK(none.hours_found == 0);  // no data for it: an answer that says so
  CHECK(must(in.history("http{svc=a}", kDay, kDay)).hours_found == 0);  // no such span
  const auto bare = must(parse_fixture(json::parse("{}"), outcomes, "f.json"));
  CHECK_FALSE(bare.inputs(outcomes).history);
  CHECK(error_of(R"({"history": {"s": {"7d": {"periods": 3}}}})", outcomes) ==
        "f.json: history.s.7d.periods: expected a list of stats");
  CHECK(error_of(R"({"history": {"s": {"a week": {}}}})", outcomes) ==
        "f.json: history.s.a week: not a span like 7d");
  CHECK(error_of(R"({"history": {"s": {"7d": {"hours_found": -1}}}})", outcomes) ==
        "f.json: history.s.7d.hours_found: expected a count");
}

TEST_CASE("fixture: records as the store would answer them; none given, the reads are nil") {
  OutcomeSet outcomes;
  auto parsed = parse_fixture(json::parse(R"({
      "now": "2026-11-20T03:00:00Z",
      "records": {"decisions": [
          {"id": 3, "at": 1795143600, "parameter": "x", "verdict": "block", "cycle": null},
          {"id": 2, "at": 1795140000, "parameter": "y", "verdict": "allow"},
          {"id": 1, "at": 1790000000, "parameter": "x", "verdict": "block"}]}})"),
                              outcomes, "f.json");
  REQUIRE(parsed.ok());
  const auto in = parsed.value().inputs(outcomes);
  REQUIRE(in.records);
  bindings::RecordQuery q;
  q.since = Nanos{1'795'000'000} * kNanosPerSecond;
  auto got = must(in.records(q));
  REQUIRE(got.size() == 2);  // the third is older than since
  const auto value = [](const bindings::Record& r, const std::string& name) {
    for (const auto& [key, v] : r.fields) {
      if (key == name) return v;
    }
    return bindings::RecordValue{std::string("<missing>")};
  };
  CHECK(std::get<double>(value(got[0], "id")) == 3);
  CHECK(std::holds_alternative<std::monostate>(value(got[0], "cycle")));  // null is nil
  q.parameter = "x";
  CHECK(must(in.records(q)).size() == 1);
  q.parameter.clear();
  q.limit = 1;
  CHECK(must(in.records(q)).size() == 1);
  q.kind = bindings::RecordKind::kCycles;  // a kind it does not list: none
  CHECK(must(in.records(q)).empty());
  CHECK_FALSE(must(parse_fixture(json::parse("{}"), outcomes, "f.json")).inputs(outcomes).records);
  CHECK(error_of(R"({"records": {"alerts": []}})", outcomes) ==
        "f.json: records: unknown kind \"alerts\" (expected decisions, cycles, rollouts, "
        "drift_events, incidents)");
  CHECK(error_of(R"({"records": {"cycles": [{"outcome": {"changes": []}}]}})", outcomes) ==
        "f.json: records.cycles[1].outcome: expected a string, number, boolean or null");
  CHECK(error_of(R"({"records": {"cycles": 3}})", outcomes) ==
        "f.json: records.cycles: expected a list of records");
}

TEST_CASE("fixture: every mistake names its place") {
  OutcomeSet outcomes;
  CHECK(error_of("[]", outcomes) == "f.json: a fixture is an object");
  CHECK(error_of(R"({"window": {}})", outcomes) ==
        "f.json: unknown key \"window\" (expected now, windows, history, params, state, "
        "records, bounds, period)");
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

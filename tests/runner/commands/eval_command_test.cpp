// Runs the real `setpoint eval` on the example policy and on broken ones.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using setpoint::testing::run_setpoint;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {
const std::string kPolicy =
    std::string(SETPOINT_SOURCE_DIR) + "/examples/policies/checkout_concurrency.lua";
const std::string kFixture =
    std::string(SETPOINT_SOURCE_DIR) + "/examples/policies/checkout_concurrency.fixture.json";
}  // namespace

TEST_CASE("eval prints what the policy proposes") {
  const auto result = run_setpoint("eval " + kPolicy + " --fixture " + kFixture);
  CHECK(result.status == 0);
  CHECK(result.out ==
        "policy checkout-concurrency: 1 proposal\n"
        "  set checkout.max_concurrency = 90  (p99=412ms)\n"
        "  state: {\"evaluations\":8}\n");
}

TEST_CASE("eval prints a triage policy's bounds patches and its report") {
  TempDir dir;
  write_file(dir.file("t.lua"),
             "return { triage = true, evaluate = function(ctx)\n"
             "  ctx:suggest_bounds('x', {80, 150}, { rationale = 'flapping', confidence = 0.5 })\n"
             "  ctx:report{ summary = 'one patch' }\n"
             "end }\n");
  write_file(dir.file("f.json"), R"({"now": 1795917600, "period": "7d"})");
  const auto result =
      run_setpoint("eval " + dir.file("t.lua") + " --fixture " + dir.file("f.json"));
  INFO(result.out);
  CHECK(result.status == 0);
  CHECK(result.out ==
        "policy t: 1 proposal\n"
        "  bounds x [80, 150] confidence 0.5  (flapping)\n"
        "  report: {\"summary\":\"one patch\"}\n"
        "  state: {}\n");
}

TEST_CASE("eval --json gives proposals, evidence and the state after") {
  const auto result = run_setpoint("eval " + kPolicy + " --fixture " + kFixture + " --json");
  REQUIRE(result.status == 0);
  const auto doc = nlohmann::json::parse(result.out);
  CHECK(doc["proposals"][0]["target"] == "checkout.max_concurrency");
  CHECK(doc["proposals"][0]["value"] == 90);
  CHECK(doc["evidence"]["http.server{service=checkout}@1m"]["p99"] == 412);
  CHECK(doc["state"]["evaluations"] == 8);
}

TEST_CASE("eval: a failing or runaway policy exits 1 with the reason; bad input exits 2") {
  TempDir dir;
  write_file(dir.file("loop.lua"), "return { evaluate = function() while true do end end }");
  auto result = run_setpoint("eval " + dir.file("loop.lua") + " --fixture " + kFixture);
  CHECK(result.status == 1);
  CHECK(result.out == "setpoint eval: policy loop exceeded its CPU deadline of 50 ms (deadline)\n");
  write_file(dir.file("escape.lua"), "return { evaluate = function() os.execute('true') end }");
  result = run_setpoint("eval " + dir.file("escape.lua") + " --fixture " + kFixture);
  CHECK(result.status == 1);
  CHECK(result.out.find("attempt to call field 'execute'") != std::string::npos);
  write_file(dir.file("bad.json"), R"({"windows": {"s": {"forever": {}}}})");
  result = run_setpoint("eval " + kPolicy + " --fixture " + dir.file("bad.json"));
  CHECK(result.status == 2);
  CHECK(result.out.find("windows.s.forever: not a span like 1m") != std::string::npos);
  // A count no integer holds is refused, not converted (that conversion is undefined).
  for (const char* count : {"1e300", "-1", "9.3e18"}) {
    write_file(dir.file("huge.json"),
               std::string(R"({"windows": {"s": {"1m": {"outcomes": {"ok": )") + count + "}}}}}");
    result = run_setpoint("eval " + kPolicy + " --fixture " + dir.file("huge.json"));
    CHECK(result.status == 2);
    CHECK(result.out.find("windows.s.1m.outcomes.ok: expected a count") != std::string::npos);
  }
  // A definition the engine would refuse is refused here too, with check's words.
  write_file(dir.file("fast.lua"), "return { every = '0ms', evaluate = function() end }");
  result = run_setpoint("eval " + dir.file("fast.lua") + " --fixture " + kFixture);
  CHECK(result.status == 1);
  CHECK(result.out == "setpoint eval: " + dir.file("fast.lua") +
                          ": every must be an interval of at least 100ms, like \"5s\"\n");
  write_file(dir.file("late.lua"),
             "return { schedule = 'daily 25:99', evaluate = function() end }");
  result = run_setpoint("eval " + dir.file("late.lua") + " --fixture " + kFixture);
  CHECK(result.status == 1);
  CHECK(result.out.find("schedule must be") != std::string::npos);
  write_file(dir.file("extra.json"), R"({"param": {}})");
  CHECK(run_setpoint("eval " + kPolicy + " --fixture " + dir.file("extra.json")).status == 2);
  CHECK(run_setpoint("eval /nonexistent.lua --fixture " + kFixture).out ==
        "setpoint eval: cannot open /nonexistent.lua: No such file or directory\n");
  CHECK(run_setpoint("eval " + kPolicy).status == 2);  // --fixture is required
}

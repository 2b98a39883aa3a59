// What an evaluation says (context.cpp): its evidence, capped.
#include "setpoint/bindings/context.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checkout_inputs.hpp"

using namespace setpoint;
using namespace setpoint::bindings;
using namespace checkout_inputs;

TEST_CASE("a decision keeps at most 64 windows as evidence, and says how many it left out") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result = run(R"(return { evaluate = function(ctx)
      for i = 1, 100 do ctx:window("m" .. i, {}, "1m") end
      ctx:window("m1", {}, "1m")   -- read again: one window, its later read
      ctx:window("m1", {}, "10s")  -- another span: another window
    end })",
                               f, out);
  REQUIRE(result.ok());
  CHECK(out.reads.size() == 102);
  const auto evidence = nlohmann::json::parse(out.evidence());
  CHECK(evidence.size() == 65);  // 64 windows and "omitted"
  CHECK(evidence["omitted"] == 37);
  CHECK(evidence.contains("m1{}@1m"));
  CHECK(evidence.contains("m64{}@1m"));
  CHECK_FALSE(evidence.contains("m65{}@1m"));
}

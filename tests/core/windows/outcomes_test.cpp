#include "setpoint/windows/outcomes.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("outcomes: ok, error and timeout always exist; success and failure are aliases") {
  const OutcomeSet outcomes;
  REQUIRE(outcomes.size() == 3);
  CHECK(outcomes.name(OutcomeSet::kOk) == "ok");
  CHECK(outcomes.name(OutcomeSet::kError) == "error");
  CHECK(outcomes.name(OutcomeSet::kTimeout) == "timeout");
  CHECK_FALSE(outcomes.failure(OutcomeSet::kOk));
  CHECK(outcomes.failure(OutcomeSet::kError));
  CHECK(outcomes.failure(OutcomeSet::kTimeout));
  CHECK(outcomes.find("success") == OutcomeSet::kOk);
  CHECK(outcomes.find("failure") == OutcomeSet::kError);
  CHECK_FALSE(outcomes.find("OK"));  // names are exact
  CHECK_FALSE(outcomes.find(""));
}

TEST_CASE("outcomes: config adds its own, each a failure or not, up to 16") {
  OutcomeSet outcomes;
  CHECK(outcomes.add("rejected", true));
  CHECK(outcomes.add("cached", false));
  CHECK_FALSE(outcomes.add("ok", false));  // there already
  CHECK(outcomes.find("rejected") == 3);
  CHECK(outcomes.failure(3));
  CHECK_FALSE(outcomes.failure(4));
  CHECK(outcomes.alias("denied", "rejected"));
  CHECK(outcomes.find("denied") == 3);
  CHECK_FALSE(outcomes.alias("x", "no-such-outcome"));
  while (outcomes.size() < OutcomeSet::kMax)
    REQUIRE(outcomes.add("o" + std::to_string(outcomes.size()), false));
  CHECK_FALSE(outcomes.add("one-too-many", false));
  CHECK(outcomes.size() == OutcomeSet::kMax);
}

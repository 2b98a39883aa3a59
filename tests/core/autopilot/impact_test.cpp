#include "setpoint/autopilot/impact.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace setpoint;
using namespace setpoint::autopilot;

TEST_CASE("impact: the relative change and the prediction error") {
  CHECK(*relative_change(200, 180) == Approx(-0.1));
  CHECK(*relative_change(-2, -1) == Approx(0.5));
  CHECK_FALSE(relative_change(0, 1));
  CHECK_FALSE(relative_change(std::nan(""), 1));
  CHECK(prediction_error(-0.08, -0.1, 0.05) == Approx(0.25));  // 0.02 of 0.08
  CHECK(prediction_error(0.0, 0.02, 0.05) == Approx(0.4));     // the floor stands in for 0
}

TEST_CASE("impact: measured against the prediction; worse past worse_by the bad way") {
  const Expected lower_p99{"http.server{service=checkout}", "p99", -0.08, true};
  const auto good = measure(lower_p99, 0.200, 0.180, 0.05, 0.10);
  REQUIRE(good);
  CHECK(good->actual == Approx(-0.1));
  CHECK(good->error == Approx(0.25));
  CHECK_FALSE(good->worse);
  const auto bad = measure(lower_p99, 0.200, 0.230, 0.05, 0.10);
  REQUIRE(bad);
  CHECK(bad->worse);                                                 // 15 % higher
  CHECK_FALSE(measure(lower_p99, 0.200, 0.215, 0.05, 0.10)->worse);  // 7.5 %: allowed
  const Expected more_throughput{"http.server{service=checkout}", "rate_per_s", 0.05, false};
  CHECK(measure(more_throughput, 100, 85, 0.05, 0.10)->worse);
  CHECK_FALSE(measure(lower_p99, std::nullopt, 0.2, 0.05, 0.1));
  CHECK_FALSE(measure(lower_p99, 0.0, 0.2, 0.05, 0.1));
}

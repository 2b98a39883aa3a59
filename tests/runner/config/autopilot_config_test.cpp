#include "config/autopilot_config.hpp"

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "support/config_helpers.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::error_of;
using setpoint::testing::ok;

namespace {

constexpr Nanos kHour = 3600 * kNanosPerSecond;
constexpr Nanos kDay = 24 * kHour;

const char* kLimit = R"(
parameters:
  checkout.limit:
    type: int
    initial: 100
    min: 10
    max: 400
    policies: [nightly]
)";

}  // namespace

TEST_CASE("autopilot: the defaults are the seed's") {
  const Config c = ok("");
  CHECK(c.autopilot.enabled);
  CHECK(c.autopilot.schedule == "daily 03:00");
  CHECK(c.autopilot.max_duration == 600 * kNanosPerSecond);
  CHECK(c.autopilot.bounds.expand_per_week == 0.05);
  CHECK(c.autopilot.bounds.contract_after_rollback == 0.25);
  CHECK(c.autopilot.bounds.stable_days == 7);
  CHECK(c.autopilot.bounds.rollback_threshold == 3);
  CHECK(c.autopilot.bounds.anti_windup);
  CHECK(c.autopilot.drift.prediction_error_threshold == 0.30);
  CHECK(c.autopilot.drift.rollback_rate_threshold == 0.10);
  CHECK(c.autopilot.drift.window == 14 * kDay);
  CHECK(c.autopilot.drift.pause == 48 * kHour);
  CHECK(c.autopilot.drift.max_pause == 7 * kDay);
  CHECK(c.sliding_bounds.empty());
}

TEST_CASE("autopilot: every setting is read, and parameters take its defaults") {
  const Config c = ok(std::string(R"(
autopilot:
  enabled: false
  schedule: weekly sun 02:00
  max_duration: 30m
  sliding_bounds: { expand_per_week: 10%, contract_after_rollback: 0.5, stable_days: 3,
                    rollback_threshold: 2, anti_windup: false }
  drift_monitoring: { prediction_error_threshold: 40%, rollback_rate_threshold: 20%,
                      consecutive_failures: 4, min_samples: 7, monitoring_window: 7d,
                      pause_duration: 24h, max_pause: 3d }
)") + kLimit + "    sliding_bounds: { operating: [80, 120], stable_days: 5 }\n");
  CHECK_FALSE(c.autopilot.enabled);
  CHECK(c.autopilot.schedule == "weekly sun 02:00");
  CHECK(c.autopilot.max_duration == 1800 * kNanosPerSecond);
  CHECK(c.autopilot.drift.prediction_error_threshold == Approx(0.4));
  CHECK(c.autopilot.drift.consecutive_failures == 4);
  CHECK(c.autopilot.drift.min_samples == 7);
  CHECK(c.autopilot.drift.pause == 24 * kHour);
  CHECK(c.autopilot.drift.max_pause == 3 * kDay);
  const SlidingBoundsConfig& b = c.sliding_bounds.at("checkout.limit");
  CHECK(b.min == 80);
  CHECK(b.max == 120);
  CHECK(b.rules.stable_days == 5);                // its own
  CHECK(b.rules.expand_per_week == Approx(0.1));  // the section's
  CHECK(b.rules.contract_after_rollback == 0.5);
  CHECK(b.rules.rollback_threshold == 2);
  CHECK_FALSE(b.rules.anti_windup);
  CHECK(b.rules.window == 7 * kDay);  // rollbacks counted over the monitor's window
}

TEST_CASE("autopilot: bad settings are refused with file:line and what is wrong") {
  CHECK(
      error_of("autopilot: { schedule: hourly }") ==
      "test.yaml:1:24: autopilot.schedule: expected \"daily HH:MM\" or \"weekly sun HH:MM\" (UTC)");
  CHECK(error_of("autopilot: { max_duration: 5s }") ==
        "test.yaml:1:28: autopilot.max_duration: must be between 1m and 24h");
  CHECK(
      error_of("autopilot: { sliding_bounds: { expand_per_week: -5% } }") ==
      "test.yaml:1:49: autopilot.sliding_bounds.expand_per_week: expected a share from 0 to 100%, "
      "like 5% or 0.05");
  CHECK(error_of("autopilot: { drift_monitoring: { pause_duration: 72h, max_pause: 48h } }") ==
        "test.yaml:1:66: autopilot.drift_monitoring.max_pause: is shorter than pause_duration");
  CHECK(error_of("autopilot: { drift_monitoring: { rollback_rate: 1 } }")
            .find("autopilot.drift_monitoring: unknown key \"rollback_rate\"") !=
        std::string::npos);
  CHECK(error_of("autopilot: { enable: true }").find("unknown key \"enable\"") !=
        std::string::npos);
}

TEST_CASE("sliding bounds: operating bounds outside the hard bounds are refused") {
  CHECK(
      error_of(std::string(kLimit) + "    sliding_bounds: { operating: [5, 120] }\n") ==
      "test.yaml:9:34: parameters.checkout.limit.sliding_bounds.operating: [5, 120] is outside the "
      "hard bounds [10, 400]");
  CHECK(error_of(std::string(kLimit) + "    sliding_bounds: { operating: [200, 120] }\n") ==
        "test.yaml:9:34: parameters.checkout.limit.sliding_bounds.operating: min is greater than "
        "max");
  CHECK(
      error_of(std::string(kLimit) + "    sliding_bounds: { stable_days: 3 }\n") ==
      "test.yaml:9:21: parameters.checkout.limit.sliding_bounds.operating: needs operating: [min, "
      "max], the range autopilot starts in");
  CHECK(error_of(std::string(kLimit) +
                 "    sliding_bounds: { operating: [80, 120], contract_after_rollback: -1 }\n")
            .find("contract_after_rollback: expected a share from 0 to 99%") != std::string::npos);
  CHECK(error_of(R"(
parameters:
  checkout.mode:
    type: enum
    choices: [a, b]
    policies: [nightly]
    sliding_bounds: { operating: [0, 1] }
)") == "test.yaml:7:21: parameters.checkout.mode.sliding_bounds: sliding bounds need a numeric "
       "parameter");
}

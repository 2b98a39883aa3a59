#include "config/rollout_config.hpp"

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "support/config_helpers.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::error_of;
using setpoint::testing::ok;

namespace {

constexpr Nanos kMinute = 60 * kNanosPerSecond;

// A parameter with a rollout section; `rollout` is its body, indented under it.
std::string with_rollout(const std::string& rollout) {
  return R"(
parameters:
  checkout.timeout_ms:
    type: int
    initial: 800
    min: 100
    max: 5000
    policies: [tuner]
    actuator: { type: file, path: out/checkout.json, key: timeout_ms }
    rollout:
)" + rollout;
}

const char* kWhole = R"(      steps: [5, 25, 100]
      step_duration: 10m
      interval: 1m
      false_rollback_rate: 2%
      on_inconclusive: hold
      cohort_label: slice
      canary: { type: file, path: out/canary.json, key: timeout_ms_canary }
      weight: { type: file, path: out/weight.json, key: canary_weight }
      kpis:
        - { series: "http{zone=a,service=checkout}", stat: p99, critical: true, floor: 10%,
            min_samples: 200, unit: ms }
        - { series: "http{service=checkout}", stat: error_rate }
)";

const char* kKpiOnly = R"(      canary: { type: log }
      weight: { type: log }
      kpis: [{ series: "http{service=checkout}", stat: p99 }]
)";

}  // namespace

TEST_CASE("rollout config: every key read, the KPIs' series in canonical order") {
  const Config c = ok(with_rollout(kWhole));
  REQUIRE(c.rollouts.count("checkout.timeout_ms") == 1);
  const RolloutConfig& r = c.rollouts.at("checkout.timeout_ms");
  CHECK(r.plan.steps == std::vector<double>{5, 25, 100});
  CHECK(r.plan.step_duration == 10 * kMinute);
  CHECK(r.plan.interval == kMinute);
  CHECK(r.plan.judge.false_rollback_rate == Approx(0.02));
  CHECK(r.plan.hold_when_inconclusive);
  CHECK(r.plan.judge.planned_looks == 20);
  CHECK(r.cohort_label == "slice");
  CHECK(r.canary.key == "timeout_ms_canary");
  CHECK(r.weight.key == "canary_weight");
  REQUIRE(r.plan.judge.kpis.size() == 2);
  const auto& p99 = r.plan.judge.kpis[0];
  CHECK(p99.series == "http{service=checkout,zone=a}");
  CHECK(p99.critical);
  CHECK(p99.floor == Approx(0.10));
  CHECK(p99.min_samples == 200);
  CHECK(p99.unit == "ms");
  CHECK(r.plan.judge.kpis[1].stat == canary::KpiStat::kErrorRate);
  CHECK_FALSE(r.plan.judge.kpis[1].critical);
}

TEST_CASE("rollout config: the defaults") {
  const Config c = ok(with_rollout(kKpiOnly));
  const RolloutConfig& r = c.rollouts.at("checkout.timeout_ms");
  CHECK(r.plan.steps == std::vector<double>{5, 25, 100});
  CHECK(r.plan.step_duration == 10 * kMinute);
  CHECK(r.plan.judge.false_rollback_rate == 0.05);
  CHECK_FALSE(r.plan.hold_when_inconclusive);
  CHECK(r.cohort_label == "cohort");
  CHECK(r.plan.judge.kpis[0].floor == 0.05);
}

TEST_CASE("rollout config: bad sections are refused with file:line") {
  const std::string kpis = "      kpis: [{ series: \"http{service=checkout}\", stat: p99 }]\n";
  const std::string actuators = "      canary: { type: log }\n      weight: { type: log }\n";
  CHECK(error_of(with_rollout("      steps: [25, 5]\n" + actuators + kpis)) ==
        "test.yaml:11:14: parameters.checkout.timeout_ms.rollout.steps: steps must rise: 5 after "
        "25");
  CHECK(error_of(with_rollout("      steps: [100]\n" + actuators + kpis)) ==
        "test.yaml:11:14: parameters.checkout.timeout_ms.rollout.steps: steps: a step below 100 "
        "is needed to judge the canary");
  CHECK(error_of(with_rollout(actuators)) ==
        "test.yaml:11:7: parameters.checkout.timeout_ms.rollout.kpis: needs kpis: a list of 1 to "
        "20 KPIs");
  CHECK(error_of(with_rollout(kpis)) ==
        "test.yaml:11:7: parameters.checkout.timeout_ms.rollout: needs canary: and weight: "
        "actuators (where the canary's value and its share of traffic go)");
  CHECK(error_of(with_rollout(
            actuators + "      kpis: [{ series: \"http{service=checkout}\", stat: rate }]\n")) ==
        "test.yaml:13:56: parameters.checkout.timeout_ms.rollout.kpis[0].stat: stat rate cannot "
        "judge a canary: cohorts of different weights see different rates");
  CHECK(error_of(with_rollout(actuators +
                              "      kpis: [{ series: \"http{cohort=a}\", stat: p99 }]\n")) ==
        "test.yaml:13:24: parameters.checkout.timeout_ms.rollout.kpis[0].series: names the "
        "cohort label cohort: the judge adds it for each side");
  CHECK(error_of(with_rollout("      false_rollback_rate: 60%\n" + actuators + kpis)) ==
        "test.yaml:11:28: parameters.checkout.timeout_ms.rollout.false_rollback_rate: expected a "
        "share from 0 to 50%, like 5% or 0.05");
  CHECK(error_of(with_rollout("      on_inconclusive: pass\n" + actuators + kpis)) ==
        "test.yaml:11:24: parameters.checkout.timeout_ms.rollout.on_inconclusive: expected "
        "rollback or hold");
  CHECK(error_of(with_rollout("      step_duration: 13h\n" + actuators + kpis)) ==
        "test.yaml:11:7: parameters.checkout.timeout_ms.rollout: the judged steps last more than "
        "the longest window (1d), which the judge reads from the start");
  // 53375 days a step: step_duration × 3 once overflowed 64 bits into a negative and passed.
  CHECK(error_of(with_rollout("      steps: [1, 2, 3, 100]\n      step_duration: 53375d\n" +
                              actuators + kpis)) ==
        "test.yaml:12:22: parameters.checkout.timeout_ms.rollout.step_duration: is longer than "
        "the longest window (1d)");
  // Looks happen once a tick: a shorter interval once stretched every step tenfold.
  CHECK(error_of(with_rollout("      interval: 100ms\n" + actuators + kpis)) ==
        "test.yaml:11:17: parameters.checkout.timeout_ms.rollout.interval: is shorter than "
        "engine.tick (1s): the judge looks once a tick at most");
  CHECK(error_of(with_rollout("      steps: [5.5, 5.2, 100]\n" + actuators + kpis)) ==
        "test.yaml:11:14: parameters.checkout.timeout_ms.rollout.steps: steps must rise: 5.2 "
        "after 5.5");
  CHECK(error_of(with_rollout("      surprise: 1\n" + actuators + kpis))
            .find("rollout: unknown key \"surprise\"") != std::string::npos);
}

TEST_CASE("rollout config: files shared between actuators, floors past 100 %, steps in percents") {
  const std::string kpis = "      kpis: [{ series: \"http{service=checkout}\", stat: p99 }]\n";
  const std::string own = "out/checkout.json";
  CHECK(error_of(with_rollout("      canary: { type: file, path: " + own +
                              ", key: c }\n      weight: { type: log }\n" + kpis)) ==
        "test.yaml:11:15: parameters.checkout.timeout_ms.rollout.canary: writes the parameter's "
        "own file (out/checkout.json): each file actuator keeps that file's versions and would "
        "undo the other's writes; give the canary its own file");
  CHECK(error_of(with_rollout("      canary: { type: file, path: c.json, key: c }\n"
                              "      weight: { type: file, path: c.json, key: w }\n" +
                              kpis)) ==
        "test.yaml:12:15: parameters.checkout.timeout_ms.rollout.weight: writes the same file as "
        "rollout.canary: each file actuator keeps that file's versions and would undo the "
        "other's writes; give each its own file");
  // The same file spelled another way is still the same file.
  CHECK(
      error_of(with_rollout("      canary: { type: file, path: ./out/../out/checkout.json, key: c "
                            "}\n      weight: { type: log }\n" +
                            kpis))
          .find("writes the parameter's own file") != std::string::npos);
  CHECK(error_of(with_rollout("      canary: { type: file, path: c.json, key: c }\n"
                              "      weight: { type: file, path: ./c.json, key: w }\n" +
                              kpis))
            .find("writes the same file as rollout.canary") != std::string::npos);
  const std::string actuators = "      canary: { type: log }\n      weight: { type: log }\n";
  CHECK(error_of(with_rollout(actuators +
                              "      kpis: [{ series: \"http{service=checkout}\", stat: p99, "
                              "floor: 10 }]\n"))
            .find("kpis[0].floor: expected a share from 0 to 100%") != std::string::npos);
  const Config c = ok(with_rollout("      steps: [5%, 25%, 100%]\n" + actuators + kpis));
  CHECK(c.rollouts.at("checkout.timeout_ms").plan.steps == std::vector<double>{5, 25, 100});
  // The plan's errors point at the key they are about.
  CHECK(error_of(with_rollout("      interval: 20m\n" + actuators + kpis)) ==
        "test.yaml:11:17: parameters.checkout.timeout_ms.rollout.interval: interval must be "
        "positive and at most step_duration");
}

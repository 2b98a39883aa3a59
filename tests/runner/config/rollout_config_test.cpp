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
      canary: { type: file, path: out/checkout.json, key: timeout_ms_canary }
      weight: { type: file, path: out/checkout.json, key: canary_weight }
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
        "test.yaml:11:7: parameters.checkout.timeout_ms.rollout: steps must rise: 5 after 25");
  CHECK(error_of(with_rollout("      steps: [100]\n" + actuators + kpis)) ==
        "test.yaml:11:7: parameters.checkout.timeout_ms.rollout: steps: a step below 100 is "
        "needed to judge the canary");
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
        "share from 0 to 49%, like 5% or 0.05");
  CHECK(error_of(with_rollout("      on_inconclusive: pass\n" + actuators + kpis)) ==
        "test.yaml:11:24: parameters.checkout.timeout_ms.rollout.on_inconclusive: expected "
        "rollback or hold");
  CHECK(error_of(with_rollout("      step_duration: 13h\n" + actuators + kpis)) ==
        "test.yaml:11:7: parameters.checkout.timeout_ms.rollout: the judged steps last more than "
        "24h, longer than the windows keep");
  CHECK(error_of(with_rollout("      surprise: 1\n" + actuators + kpis))
            .find("rollout: unknown key \"surprise\"") != std::string::npos);
}

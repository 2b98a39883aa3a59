#include "setpoint/autopilot/drift_monitor.hpp"

#include <catch2/catch.hpp>

#include "support/must.hpp"

using namespace setpoint;
using namespace setpoint::autopilot;

namespace {

constexpr Nanos kHour = 3600 * kNanosPerSecond;

// One change a day, each measured with `error`, from day `first`.
void changes(DriftMonitor& m, std::int64_t& id, int first, int days, double error) {
  for (int d = first; d < first + days; ++d) {
    m.change_applied(++id, "checkout.limit", d * kDay);
    m.impact_measured(id, error, d * kDay);
    m.cycle_ended(d * kDay, false);
  }
}

}  // namespace

TEST_CASE("drift monitor: prediction error trips past the threshold, not before") {
  DriftRules rules;  // 30 %, at least 5 measured
  DriftMonitor m;
  std::int64_t id = 0;
  changes(m, id, 1, 10, 0.10);
  CHECK_FALSE(m.check(rules, 10 * kDay));
  changes(m, id, 11, 4, 1.0);  // 10 × 0.1 + 4 × 1.0 over 14: 0.357
  const auto trip = m.check(rules, 14 * kDay);
  REQUIRE(trip);
  CHECK(trip->kind == "prediction_error_high");
  CHECK(trip->value == Approx(5.0 / 14));
  CHECK(trip->threshold == 0.30);
  CHECK(trip->figures.measured == 14);
  CHECK(trip->pause == 48 * kHour);
  CHECK(trip->until == 14 * kDay + 48 * kHour);
  CHECK(trip->parameters == std::vector<std::string>{"checkout.limit"});
  CHECK(m.paused(15 * kDay));
  CHECK_FALSE(m.paused(16 * kDay));
}

TEST_CASE("drift monitor: too few measurements never trip") {
  DriftRules rules;
  DriftMonitor m;
  std::int64_t id = 0;
  changes(m, id, 1, 4, 5.0);  // wildly wrong, but only four
  CHECK_FALSE(m.check(rules, 5 * kDay));
  CHECK(m.figures(rules, 5 * kDay).mean_error == 5.0);
}

TEST_CASE("drift monitor: rollback rate trips past the threshold") {
  DriftRules rules;  // 10 %
  DriftMonitor m;
  for (std::int64_t id = 1; id <= 10; ++id)
    m.change_applied(id, "p" + std::to_string(id), id * kHour);
  m.rolled_back(4);
  CHECK_FALSE(m.check(rules, kDay));  // 1 in 10 is not past 10 %
  m.rolled_back(7);
  const auto trip = m.check(rules, kDay);
  REQUIRE(trip);
  CHECK(trip->kind == "rollback_rate_high");
  CHECK(trip->value == Approx(0.2));
  CHECK(trip->parameters == std::vector<std::string>{"p4", "p7"});
}

TEST_CASE("drift monitor: consecutive failed cycles trip; a good one resets the count") {
  DriftRules rules;  // 3 in a row
  DriftMonitor m;
  m.cycle_ended(1 * kDay, true);
  m.cycle_ended(2 * kDay, true);
  m.cycle_ended(3 * kDay, false);
  m.cycle_ended(4 * kDay, true);
  m.cycle_ended(5 * kDay, true);
  CHECK_FALSE(m.check(rules, 5 * kDay));
  m.cycle_ended(6 * kDay, true);
  const auto trip = m.check(rules, 6 * kDay);
  REQUIRE(trip);
  CHECK(trip->kind == "consecutive_failures");
  CHECK(trip->value == 3);
}

TEST_CASE("drift monitor: a repeat trip doubles the pause, up to max_pause") {
  DriftRules rules;
  DriftMonitor m;
  Nanos now = 0;
  std::vector<Nanos> pauses;
  for (int i = 0; i < 5; ++i) {
    for (int f = 0; f < 3; ++f) m.cycle_ended(now += kHour, true);
    const auto trip = m.check(rules, now);
    REQUIRE(trip);
    pauses.push_back(trip->pause);
    now = trip->until;  // the next failures come right after the pause ends
  }
  CHECK(pauses == std::vector<Nanos>{48 * kHour, 96 * kHour, 7 * kDay, 7 * kDay, 7 * kDay});
}

TEST_CASE("drift monitor: a trip long after the last pause starts from pause again") {
  DriftRules rules;
  DriftMonitor m;
  for (int f = 1; f <= 3; ++f) m.cycle_ended(f * kHour, true);
  const auto first = m.check(rules, 3 * kHour);
  REQUIRE(first);
  const Nanos later = first->until + rules.window + kHour;
  for (int f = 1; f <= 3; ++f) m.cycle_ended(later + f * kHour, true);
  const auto second = m.check(rules, later + 3 * kHour);
  REQUIRE(second);
  CHECK(second->pause == 48 * kHour);
}

TEST_CASE("drift monitor: the figures that tripped it do not trip it again after the pause") {
  DriftRules rules;
  DriftMonitor m;
  for (int f = 1; f <= 3; ++f) m.cycle_ended(f * kHour, true);
  const auto trip = m.check(rules, 3 * kHour);
  REQUIRE(trip);
  CHECK_FALSE(m.check(rules, trip->until));
  CHECK(m.figures(rules, trip->until).consecutive_failures == 0);
}

TEST_CASE("drift monitor: an operator lifts the pause; no trip while paused") {
  DriftRules rules;
  DriftMonitor m;
  for (int f = 1; f <= 3; ++f) m.cycle_ended(f * kHour, true);
  REQUIRE(m.check(rules, 3 * kHour));
  for (int f = 4; f <= 6; ++f) m.cycle_ended(f * kHour, true);
  CHECK_FALSE(m.check(rules, 6 * kHour));  // already paused
  CHECK(m.lift(7 * kHour));
  CHECK_FALSE(m.paused(7 * kHour));
  CHECK_FALSE(m.lift(7 * kHour));
}

TEST_CASE("drift monitor: the state reads back as it was written") {
  DriftRules rules;
  DriftMonitor m;
  std::int64_t id = 0;
  changes(m, id, 1, 6, 0.5);
  m.rolled_back(3);
  REQUIRE(m.check(rules, 7 * kDay));
  const DriftMonitor back = must(DriftMonitor::from_json(m.to_json()));
  CHECK(back.to_json() == m.to_json());
  CHECK(back.paused_until() == m.paused_until());
  CHECK_FALSE(DriftMonitor::from_json("{}"));
  CHECK_FALSE(DriftMonitor::from_json("not json"));
}

TEST_CASE("drift monitor: an error counts when it is measured, however long after its change") {
  DriftRules rules;
  rules.window = kDay;  // shorter than the changes' verify window
  DriftMonitor m;
  for (std::int64_t id = 1; id <= 5; ++id) {
    m.change_applied(id, "x", id * kDay);
    m.impact_measured(id, 1.0, 8 * kDay + id * kHour / 10);  // days after each change
  }
  const auto trip = m.check(rules, 8 * kDay + kHour);
  REQUIRE(trip);  // the five measurements of the last window count, their changes long gone
  CHECK(trip->kind == "prediction_error_high");
}

TEST_CASE("drift monitor: a damaged saved time is an error, never an overflow") {
  DriftMonitor m;
  m.cycle_ended(kDay, true);
  std::string saved = m.to_json();
  const auto at = saved.find("\"last_pause\":0");
  REQUIRE(at != std::string::npos);
  saved.replace(at, 14, "\"last_pause\":9223372036854775807");
  CHECK_FALSE(DriftMonitor::from_json(saved));
  CHECK_FALSE(DriftMonitor::from_json(R"({"changes":[],"cycles":[[1e300,true]],"last_trip":0,)"
                                      R"("paused_until":0,"last_pause":0})"));
}

#include "config/schedule.hpp"

#include <catch2/catch.hpp>

#include "setpoint/base/timestamp.hpp"

using namespace setpoint;
using namespace setpoint::runner;

namespace {
Nanos at(const char* text) { return *parse_rfc3339(text); }
std::string next(const Schedule& s, const char* after) {
  return format_rfc3339(s.next_after(at(after)));
}
}  // namespace

TEST_CASE("schedule: an interval counts from the last run") {
  const auto s = Schedule::make(5 * kNanosPerSecond, "");
  REQUIRE(s);
  CHECK(next(*s, "2026-11-24T12:00:00Z") == "2026-11-24T12:00:05.000Z");
  CHECK(s->text() == "every 5s");
}

TEST_CASE("schedule: daily and weekly, in UTC, strictly after") {
  const auto daily = Schedule::make(0, "daily 03:00");
  REQUIRE(daily);
  CHECK(next(*daily, "2026-11-24T12:00:00Z") == "2026-11-25T03:00:00.000Z");
  CHECK(next(*daily, "2026-11-24T02:59:59Z") == "2026-11-24T03:00:00.000Z");
  CHECK(next(*daily, "2026-11-24T03:00:00Z") == "2026-11-25T03:00:00.000Z");
  const auto weekly = Schedule::make(0, "weekly sun 02:00");
  REQUIRE(weekly);
  CHECK(next(*weekly, "2026-11-24T12:00:00Z") == "2026-11-29T02:00:00.000Z");  // a Tuesday
  CHECK(next(*weekly, "2026-11-29T02:00:00Z") == "2026-12-06T02:00:00.000Z");
  CHECK(weekly->text() == "weekly sun 02:00");
  CHECK(next(*Schedule::make(0, "weekly thu 00:00"), "1970-01-01T00:00:00Z") ==
        "1970-01-08T00:00:00.000Z");
}

TEST_CASE("schedule: what is not understood is named") {
  const auto three_am = Schedule::make(0, "daily 3am");
  CHECK_FALSE(three_am);
  CHECK(three_am.error() ==
        "schedule \"daily 3am\" is not \"daily HH:MM\" or \"weekly <sun..sat> HH:MM\" (UTC)");
  CHECK_FALSE(Schedule::make(0, "weekly funday 02:00"));
  CHECK_FALSE(Schedule::make(0, "daily 24:00"));
  const auto none = Schedule::make(0, "");
  CHECK_FALSE(none);
  CHECK(none.error() == "the interval must be positive");
}

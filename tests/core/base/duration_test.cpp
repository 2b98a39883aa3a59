#include "setpoint/base/duration.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("durations parse in every unit and in compounds") {
  CHECK(parse_duration("250ms") == 250 * kNanosPerMilli);
  CHECK(parse_duration("5s") == 5 * kNanosPerSecond);
  CHECK(parse_duration("1m") == 60 * kNanosPerSecond);
  CHECK(parse_duration("24h") == 86400 * kNanosPerSecond);
  CHECK(parse_duration("7d") == 7 * 86400 * kNanosPerSecond);
  CHECK(parse_duration("1h30m") == 5400 * kNanosPerSecond);
  CHECK(parse_duration("10us") == 10'000);
  CHECK(parse_duration("0s") == 0);
}

TEST_CASE("bad durations are refused") {
  for (const char* bad :
       {"", "5", "s", "-5s", "5 s", "5sec", "1.5s", "5S", "99999999999999999999d",
        // Parts that fit, summing past what fits (once wrapped to a negative timeout).
        "53375d53375d53375d", "4611686018s4611686018s"}) {
    INFO(bad);
    CHECK(!parse_duration(bad));
  }
}

TEST_CASE("durations format back to their shortest spelling") {
  CHECK(format_duration(90 * kNanosPerSecond) == "1m30s");
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(1500 * kNanosPerMilli) == "1s500ms");
  CHECK(format_duration(86400 * kNanosPerSecond) == "1d");
}

TEST_CASE("a duration for a person: two units at most, rounded") {
  CHECK(human_duration(29 * 60 * kNanosPerSecond + 8846 * kNanosPerMilli) == "29m9s");
  CHECK(human_duration(2 * 3600 * kNanosPerSecond + 5 * 60 * kNanosPerSecond +
                       40 * kNanosPerSecond) == "2h6m");
  CHECK(human_duration(2 * 3600 * kNanosPerSecond) == "2h");
  CHECK(human_duration(5 * 60 * kNanosPerSecond) == "5m");
  CHECK(human_duration(12400 * kNanosPerMilli) == "12s");
  CHECK(human_duration(1500 * kNanosPerMilli) == "1.5s");
  CHECK(human_duration(250 * kNanosPerMilli) == "250ms");
}

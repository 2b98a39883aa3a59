#include "setpoint/bindings/policy_info.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;
using namespace setpoint::bindings;

namespace {
std::vector<std::string> problems_of(const std::string& source, PolicyInfo* out = nullptr) {
  static SystemClock clock;
  PolicyState state("p", {}, clock);
  std::vector<std::string> problems;
  const RunResult loaded = state.load(source, "p.lua");
  if (!loaded.ok()) return {loaded.message};
  const auto info = read_policy_info(state, "from_file", problems);
  if (info && out) *out = *info;
  return problems;
}
}  // namespace

TEST_CASE("policy metadata is read with defaults") {
  PolicyInfo info;
  CHECK(problems_of("return { evaluate = function() end }", &info).empty());
  CHECK(info.name == "from_file");
  CHECK(info.every == 10 * kNanosPerSecond);
  CHECK(
      problems_of(
          R"(return { name = "checkout", every = "5s", params = { "a", "b" }, actions = { "disable_rule" },
                                evaluate = function() end })",
          &info)
          .empty());
  CHECK(info.name == "checkout");
  CHECK(info.every == 5 * kNanosPerSecond);
  CHECK(info.params == std::vector<std::string>{"a", "b"});
  CHECK(info.actions == std::vector<std::string>{"disable_rule"});
  CHECK(problems_of(R"(return { schedule = "weekly sun 02:00", evaluate = function() end })", &info)
            .empty());
  CHECK(info.schedule == "weekly sun 02:00");
}

TEST_CASE("every problem in a policy's metadata is reported, not just the first") {
  CHECK(problems_of("return 5") == std::vector<std::string>{"the file must return a table"});
  CHECK(
      problems_of(
          R"(return { name = 5, every = "5 seconds", schedule = "daily 25:00", params = { 1 }, actions = "x" })") ==
      std::vector<std::string>{"evaluate must be a function",
                               "name must be a string of letters, digits, - _ . or : (at most 128)",
                               "every must be an interval of at least 100ms, like \"5s\"",
                               "schedule must be \"daily HH:MM\" or \"weekly sun HH:MM\" (UTC)",
                               "params[1] must be a name (letters, digits, - _ . :)",
                               "actions must be a list of strings"});
  CHECK(problems_of(R"(return { every = "1ms", evaluate = function() end })") ==
        std::vector<std::string>{"every must be an interval of at least 100ms, like \"5s\""});
}

TEST_CASE("an autopilot policy declares its cycle's limits") {
  PolicyInfo info;
  CHECK(problems_of(
            R"(return { schedule = "daily 03:00", autopilot = {}, evaluate = function() end })",
            &info)
            .empty());
  REQUIRE(info.autopilot);
  CHECK(*info.autopilot == AutopilotInfo{});
  CHECK_FALSE(info.autopilot->max_duration);  // config's autopilot.max_duration
  CHECK(problems_of(R"(return { schedule = "daily 03:00", evaluate = function() end,
      autopilot = { max_duration = "30m", verify = "48h", worse_by = 0.2, error_floor = 0.1 } })",
                    &info)
            .empty());
  CHECK(info.autopilot->max_duration == 1800 * kNanosPerSecond);
  CHECK(info.autopilot->verify == 48 * 3600 * kNanosPerSecond);
  CHECK(info.autopilot->worse_by == 0.2);
  CHECK(info.autopilot->error_floor == 0.1);
  CHECK(problems_of("return { evaluate = function() end }", &info).empty());
  CHECK_FALSE(info.autopilot);
}

TEST_CASE("every problem of an autopilot table is reported") {
  CHECK(problems_of(R"(return { autopilot = {}, evaluate = function() end })").empty());
  CHECK(problems_of(R"(return { autopilot = {}, every = "1m", evaluate = function() end })") ==
        std::vector<std::string>{
            "an autopilot policy runs on a schedule like \"daily 03:00\", not every"});
  CHECK(
      problems_of(
          R"(return { schedule = "daily 03:00", autopilot = "yes", evaluate = function() end })") ==
      std::vector<std::string>{"autopilot must be a table like { max_duration = \"10m\" }"});
  CHECK(problems_of(R"(return { schedule = "daily 03:00", evaluate = function() end,
      autopilot = { max_duration = "5s", verify = "2h", worse_by = -1, error_floor = 2, maxduration = 1 } })") ==
        std::vector<std::string>{"autopilot has an unknown field maxduration (max_duration, "
                                 "verify, worse_by, error_floor)",
                                 "autopilot.max_duration must be a duration from 1m to 1d",
                                 "autopilot.verify must be a duration from 3h to 28d",
                                 "autopilot.worse_by must be a number above 0, at most 10",
                                 "autopilot.error_floor must be a number above 0, at most 1"});
}

#include "setpoint/autopilot/cycle.hpp"

#include <catch2/catch.hpp>

using namespace setpoint::autopilot;

TEST_CASE("cycles: every status reads back from its name") {
  for (const CycleStatus s :
       {CycleStatus::kRunning, CycleStatus::kCompleted, CycleStatus::kFailed,
        CycleStatus::kTimedOut, CycleStatus::kRolledBack, CycleStatus::kSkipped}) {
    CHECK(parse_status(status_name(s)) == s);
  }
  CHECK(status_name(CycleStatus::kTimedOut) == "timed_out");
  CHECK_FALSE(parse_status("done"));
  CHECK(failed(CycleStatus::kTimedOut));
  CHECK_FALSE(failed(CycleStatus::kRolledBack));  // the rollback rate counts those
}

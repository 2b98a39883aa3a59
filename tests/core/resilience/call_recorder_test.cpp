#include "setpoint/resilience/call_recorder.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "support/call_outcomes.hpp"

using namespace setpoint;
using setpoint::testing::outcomes;
using setpoint::testing::with_rejected;

namespace {
constexpr Nanos kSec = kNanosPerSecond;
}  // namespace

TEST_CASE("call recorder: needs the rejected outcome, and records from any thread") {
  ManualClock clock(100 * kSec);
  Aggregator plain({});
  CHECK_THROWS_AS(CallRecorder(plain, "calls", {}, clock), std::invalid_argument);
  Aggregator aggregator(with_rejected());
  CallRecorder recorder(aggregator, "calls", {{"dep", "payments"}}, clock);
  recorder.record(CallOutcome::kSuccess);
  std::thread other([&] { recorder.record(CallOutcome::kRejected); });
  other.join();
  recorder.record(CallOutcome::kFailure, 12.5);
  CHECK(outcomes(aggregator, "calls{dep=payments}", clock.wall()) ==
        std::map<std::string, std::uint64_t>{{"ok", 1}, {"error", 1}, {"rejected", 1}});
}

#include "setpoint/resilience/bulkhead.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "support/call_outcomes.hpp"

using namespace setpoint;
using setpoint::testing::outcomes;
using setpoint::testing::with_rejected;

namespace {
constexpr Nanos kSec = kNanosPerSecond;
}  // namespace

TEST_CASE("bulkhead: the limit holds, is tunable live, and rejections are recorded") {
  ManualClock clock(100 * kSec);
  Aggregator aggregator(with_rejected());
  CallRecorder recorder(aggregator, "bulkhead", {}, clock);
  Adaptive<long long> limit(2);
  Bulkhead bulkhead(limit, 0, &recorder);
  CHECK(bulkhead.try_acquire());
  CHECK(bulkhead.try_acquire());
  CHECK_FALSE(bulkhead.try_acquire());
  CHECK(bulkhead.in_flight() == 2);
  limit.set(3);  // a policy raised it
  CHECK(bulkhead.try_acquire());
  limit.set(1);  // lowered below what is in flight: nothing new until they finish
  bulkhead.release(CallOutcome::kSuccess);
  bulkhead.release(CallOutcome::kFailure);
  CHECK_FALSE(bulkhead.try_acquire());
  bulkhead.release();
  CHECK(bulkhead.try_acquire());
  CHECK_FALSE(bulkhead.acquire(std::chrono::seconds(5)));  // no queue: rejected at once
  CHECK(outcomes(aggregator, "bulkhead{}", clock.wall()) ==
        std::map<std::string, std::uint64_t>{{"ok", 2}, {"error", 1}, {"rejected", 3}});
}

TEST_CASE(
    "bulkhead: a caller waits in the bounded queue and gets the next free permit; past the queue, "
    "rejected") {
  Adaptive<long long> limit(1);
  Bulkhead bulkhead(limit, 1);
  REQUIRE(bulkhead.try_acquire());
  std::atomic<int> got{-1};
  std::thread waiter([&] { got = bulkhead.acquire(std::chrono::seconds(30)) ? 1 : 0; });
  while (bulkhead.waiting() == 0) std::this_thread::yield();  // it is queued
  CHECK_FALSE(bulkhead.acquire(std::chrono::seconds(30)));    // the queue (1) is full
  CHECK(got == -1);
  bulkhead.release();
  waiter.join();
  CHECK(got == 1);
  CHECK(bulkhead.in_flight() == 1);
  CHECK(bulkhead.waiting() == 0);
}

TEST_CASE("bulkhead: a release can carry the call's latency into the recorded series") {
  ManualClock clock(100 * kSec);
  Aggregator aggregator(with_rejected());
  CallRecorder recorder(aggregator, "bulkhead", {}, clock);
  Adaptive<long long> limit(1);
  Bulkhead bulkhead(limit, 0, &recorder);
  REQUIRE(bulkhead.try_acquire());
  bulkhead.release(CallOutcome::kSuccess, 42.0);
  sketch::Accumulator scratch;
  const auto stats =
      aggregator.read(*aggregator.find("bulkhead{}"), clock.wall(), 60 * kSec, scratch);
  CHECK(stats->count == 1);
  CHECK(stats->max == 42.0);
  CHECK(bulkhead.in_flight() == 0);
}

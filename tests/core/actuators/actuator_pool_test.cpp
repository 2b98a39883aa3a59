// Actuation off the engine thread: results are collected at the next tick, and an actuation
// past its timeout is reported as timed out once, its late result dropped.
#include "setpoint/actuators/actuator_pool.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace setpoint;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

// An actuator that holds each apply() until released, and says what it was given.
class HeldActuator final : public Actuator {
 public:
  ActuationResult apply(const Actuation& a) override {
    std::unique_lock lock(mutex_);
    ++started_;
    max_inside_ = std::max(max_inside_, ++inside_);
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
    --inside_;
    return {ActuationResult::Status::kApplied, "set " + a.target};
  }
  int started() {
    std::lock_guard lock(mutex_);
    return started_;
  }
  int max_inside() {
    std::lock_guard lock(mutex_);
    return max_inside_;
  }
  std::optional<ProposedValue> read_back(const std::string&) override { return std::nullopt; }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  void wait_started(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int started_ = 0;
  int inside_ = 0, max_inside_ = 0;  // calls in apply() at once, and the most there were
  bool released_ = false;
};

Actuation change(const std::string& target) { return {target, target, 1.0, {}, "p", "why", 0}; }

// What the pool has finished, once it has finished `n` (worker threads answer on their own).
std::vector<ActuatorPool::Done> collect_n(ActuatorPool& pool, std::size_t n) {
  std::vector<ActuatorPool::Done> all;
  while (all.size() < n) {
    for (auto& d : pool.collect()) all.push_back(std::move(d));
    if (all.size() < n) std::this_thread::yield();
  }
  return all;
}

}  // namespace

TEST_CASE("actuator pool: results come back by id, at a collect") {
  ManualClock clock;
  ActuatorPool pool(2, clock);
  HeldActuator first, second;
  pool.submit(7, first, change("a"), 5 * kSec);
  pool.submit(8, second, change("b"), 5 * kSec);
  first.wait_started(1);  // both running at once, on two workers
  second.wait_started(1);
  CHECK(pool.in_flight() == 2);
  CHECK(pool.collect().empty());  // nothing finished: the engine does not wait
  first.release();
  second.release();
  auto done = collect_n(pool, 2);
  std::sort(done.begin(), done.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  CHECK(done[0].id == 7);
  CHECK(done[0].result.detail == "set a");
  CHECK_FALSE(done[0].timed_out);
  CHECK(done[1].id == 8);
  CHECK(done[1].result.ok());
  CHECK(pool.in_flight() == 0);
}

TEST_CASE(
    "actuator pool: past its timeout an actuation is reported once; its late result is dropped, "
    "and the pool is idle only once the worker is out") {
  ManualClock clock;
  HeldActuator actuator;
  {
    ActuatorPool pool(1, clock);
    pool.submit(1, actuator, change("slow"), 5 * kSec);
    actuator.wait_started(1);
    clock.advance(4 * kSec);
    CHECK(pool.collect().empty());
    clock.advance(kSec);  // at the deadline
    const auto late = pool.collect();
    REQUIRE(late.size() == 1);
    CHECK(late[0].id == 1);
    CHECK(late[0].timed_out);
    CHECK(late[0].result.status == ActuationResult::Status::kFailed);
    CHECK(late[0].result.detail == "timed out; the outcome is unknown");
    CHECK(pool.in_flight() == 0);
    CHECK(pool.collect().empty());  // reported once
    // Not idle though: the worker is still inside the actuator, which must outlive it.
    CHECK_FALSE(pool.idle());
    actuator.release();
    while (!pool.idle()) std::this_thread::yield();
  }  // the pool's destructor waits for the worker: the late result never shows
}

TEST_CASE("actuator pool: jobs wait their turn when every worker is busy") {
  ManualClock clock;
  HeldActuator actuator;
  ActuatorPool pool(1, clock);
  for (int id = 1; id <= 3; ++id) pool.submit(id, actuator, change("t"), 60 * kSec);
  actuator.wait_started(1);
  CHECK(pool.in_flight() == 3);
  CHECK_FALSE(pool.idle());
  actuator.release();
  const auto done = collect_n(pool, 3);
  CHECK(done[0].id == 1);  // one worker: in the order submitted
  CHECK(done[1].id == 2);
  CHECK(done[2].id == 3);
}

TEST_CASE(
    "actuator pool: one actuator is never called twice at once, and a timeout counts from when "
    "a worker begins the job") {
  ManualClock clock;
  HeldActuator actuator;
  ActuatorPool pool(2, clock);
  pool.submit(1, actuator, change("x"), 5 * kSec);  // a change that hangs
  pool.submit(2, actuator, change("x"), 5 * kSec);  // its rollback, queued behind it
  actuator.wait_started(1);
  clock.advance(10 * kSec);
  const auto late = pool.collect();
  REQUIRE(late.size() == 1);  // the first ran past its timeout; the second has not begun
  CHECK(late[0].id == 1);
  CHECK(late[0].timed_out);
  CHECK(actuator.started() == 1);  // a worker is free, yet the rollback waits for the change
  CHECK(pool.in_flight() == 1);
  actuator.release();
  const auto done = collect_n(pool, 1);
  CHECK(done[0].id == 2);
  CHECK_FALSE(done[0].timed_out);  // its 5 s began when it did
  CHECK(actuator.max_inside() == 1);
}

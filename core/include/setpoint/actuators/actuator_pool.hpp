#pragma once
// Actuation runs off the engine thread: the engine submits, worker threads call the actuators,
// and the engine collects results at its next tick. An actuation still running past its
// timeout (counted from when a worker begins it, not from the queue) is reported as timed out
// (its late result is then discarded): the engine never waits on the outside world, and a hung
// webhook cannot stall a tick. One actuator is never called twice at once: a job waits while
// an earlier one on the same actuator runs, even one already reported as timed out, so a
// rollback never races the change it undoes. Jobs not begun when the pool is destroyed are
// dropped (their intents are settled at the next start).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "setpoint/actuators/actuator.hpp"

namespace setpoint {

class ActuatorPool {
 public:
  struct Done {
    std::int64_t id;
    ActuationResult result;
    bool timed_out = false;
  };

  ActuatorPool(std::size_t threads, const Clock& clock);
  ~ActuatorPool();
  ActuatorPool(const ActuatorPool&) = delete;
  ActuatorPool& operator=(const ActuatorPool&) = delete;

  void submit(std::int64_t id, Actuator& actuator, Actuation actuation, Nanos timeout);
  // What finished since the last call, and what ran past its deadline.
  std::vector<Done> collect();
  std::size_t in_flight() const;
  // Nothing queued and no worker inside an actuator, not even one already reported as timed
  // out: only then may the actuators it was handed be destroyed (a config reload).
  bool idle() const;

 private:
  struct Job {
    std::int64_t id;
    Actuator* actuator;
    Actuation actuation;
    Nanos timeout;
  };
  void work();
  // The first queued job whose actuator is free, or the end (the lock held).
  std::deque<Job>::iterator runnable();

  const Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  // Submitted, not yet collected: when each times out (never, while it waits in the queue).
  std::map<std::int64_t, Nanos> deadlines_;
  std::vector<Done> done_;
  std::set<Actuator*> busy_;  // actuators a worker is inside
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace setpoint

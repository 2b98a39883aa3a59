#include "setpoint/actuators/actuator_pool.hpp"

namespace setpoint {

ActuatorPool::ActuatorPool(std::size_t threads, const Clock& clock) : clock_(clock) {
  for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

ActuatorPool::~ActuatorPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ActuatorPool::submit(std::int64_t id, Actuator& actuator, Actuation actuation, Nanos timeout) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({id, &actuator, std::move(actuation)});
    deadlines_[id] = clock_.monotonic() + timeout;
  }
  wake_.notify_one();
}

void ActuatorPool::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      job = std::move(queue_.front());
      queue_.pop_front();
      ++applying_;
    }
    ActuationResult result = job.actuator->apply(job.actuation);
    std::lock_guard lock(mutex_);
    --applying_;
    // Reported already as timed out: the late result is dropped.
    if (deadlines_.erase(job.id) == 1) done_.push_back({job.id, std::move(result), false});
  }
}

std::vector<ActuatorPool::Done> ActuatorPool::collect() {
  std::lock_guard lock(mutex_);
  std::vector<Done> out = std::move(done_);
  done_.clear();
  const Nanos now = clock_.monotonic();
  for (auto it = deadlines_.begin(); it != deadlines_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    out.push_back(
        {it->first, {ActuationResult::Status::kFailed, "timed out; the outcome is unknown"}, true});
    it = deadlines_.erase(it);
  }
  return out;
}

std::size_t ActuatorPool::in_flight() const {
  std::lock_guard lock(mutex_);
  return deadlines_.size();
}

bool ActuatorPool::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && applying_ == 0;
}

}  // namespace setpoint

#include "setpoint/actuators/actuator_pool.hpp"

#include <algorithm>
#include <limits>

namespace setpoint {

ActuatorPool::ActuatorPool(std::size_t threads, const Clock& clock) : clock_(clock) {
  for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

ActuatorPool::~ActuatorPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();  // not begun: nobody is left to record them
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ActuatorPool::submit(std::int64_t id, Actuator& actuator, Actuation actuation, Nanos timeout) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({id, &actuator, std::move(actuation), timeout});
    deadlines_[id] = std::numeric_limits<Nanos>::max();  // its clock starts with a worker
  }
  wake_.notify_all();
}

std::deque<ActuatorPool::Job>::iterator ActuatorPool::runnable() {
  return std::find_if(queue_.begin(), queue_.end(),
                      [this](const Job& job) { return busy_.count(job.actuator) == 0; });
}

void ActuatorPool::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || runnable() != queue_.end(); });
      if (stopping_) return;
      const auto it = runnable();
      job = std::move(*it);
      queue_.erase(it);
      busy_.insert(job.actuator);
      if (const auto d = deadlines_.find(job.id); d != deadlines_.end())
        d->second = clock_.monotonic() + job.timeout;
    }
    ActuationResult result = job.actuator->apply(job.actuation);
    {
      std::lock_guard lock(mutex_);
      busy_.erase(job.actuator);
      // Reported already as timed out: the late result is dropped.
      if (deadlines_.erase(job.id) == 1) done_.push_back({job.id, std::move(result), false});
    }
    wake_.notify_all();  // a job waiting for this actuator may go now
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
  return queue_.empty() && busy_.empty();
}

}  // namespace setpoint

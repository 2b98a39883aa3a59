#include "engine/decision_feed.hpp"

namespace setpoint::runner {

void DecisionFeed::publish(std::string record) {
  {
    std::lock_guard lock(mutex_);
    ring_.push_back({++seq_, std::move(record)});
    if (ring_.size() > kCapacity) ring_.pop_front();
  }
  changed_.notify_all();
}

DecisionFeed::Batch DecisionFeed::after(std::uint64_t seq, std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, wait, [&] { return closed_ || seq_ > seq; });
  Batch out;
  out.closed = closed_;
  if (seq_ <= seq) return out;
  out.missed = !ring_.empty() && ring_.front().seq > seq + 1;
  for (const Entry& e : ring_) {
    if (e.seq > seq) out.entries.push_back(e);
  }
  return out;
}

std::uint64_t DecisionFeed::last() const {
  std::lock_guard lock(mutex_);
  return seq_;
}

void DecisionFeed::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

}  // namespace setpoint::runner

#include "engine/decision_feed.hpp"

namespace setpoint::runner {

void DecisionFeed::publish(std::string record) {
  auto shared = std::make_shared<const std::string>(std::move(record));
  {
    std::lock_guard lock(mutex_);
    bytes_ += shared->size();
    ring_.push_back({++seq_, std::move(shared)});
    while (ring_.size() > kCapacity || (bytes_ > kMaxBytes && ring_.size() > 1)) {
      bytes_ -= ring_.front().record->size();
      ring_.pop_front();
    }
  }
  changed_.notify_all();
}

DecisionFeed::Batch DecisionFeed::after(std::uint64_t seq, std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  Batch out;
  if (seq > seq_) {  // another feed's id (the daemon restarted): from what this one holds
    out.missed = true;
    seq = ring_.empty() ? seq_ : ring_.front().seq - 1;
  } else {
    changed_.wait_for(lock, wait, [&] { return closed_ || seq_ > seq; });
  }
  out.closed = closed_;
  out.last = seq_;
  if (seq_ <= seq) return out;
  out.missed = out.missed || (!ring_.empty() && ring_.front().seq > seq + 1);
  std::size_t bytes = 0;
  for (const Entry& e : ring_) {
    if (e.seq <= seq) continue;
    if (!out.entries.empty() && bytes + e.record->size() > kBatchBytes) break;
    bytes += e.record->size();
    out.entries.push_back(e);
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

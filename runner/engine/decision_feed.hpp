#pragma once
// The decisions as they happen, for the dashboard's live timeline: the engine thread publishes
// each record (when first recorded and again with its result), and any number of readers wait
// for what came after the last one they saw. A ring of the newest kCapacity: a reader that fell
// further behind is told it missed some (and reads the store for them). Thread-safe.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace setpoint::runner {

class DecisionFeed {
 public:
  struct Entry {
    std::uint64_t seq;   // 1, 2, …: the order of publishing
    std::string record;  // the decision's JSON record
  };
  struct Batch {
    std::vector<Entry> entries;
    bool missed = false;  // some after `seq` are gone from the ring
    bool closed = false;  // the engine is stopping: no more will come
  };
  static constexpr std::size_t kCapacity = 2000;

  void publish(std::string record);  // engine thread
  // What came after `seq`, waiting up to `wait` for something when nothing has.
  Batch after(std::uint64_t seq, std::chrono::milliseconds wait);
  std::uint64_t last() const;
  void close();  // wakes every reader; they end

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Entry> ring_;
  std::uint64_t seq_ = 0;
  bool closed_ = false;
};

}  // namespace setpoint::runner

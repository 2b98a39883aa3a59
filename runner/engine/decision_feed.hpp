#pragma once
// The decisions as they happen, for the dashboard's live timeline: the engine thread publishes
// each record (when first recorded and again with its result), and any number of readers wait
// for what came after the last one they saw. A ring of the newest kCapacity records and at most
// kMaxBytes of them; a reader gets at most kBatchBytes at a time (what a slow reader can make
// the daemon hold is one batch), and one that fell further behind than the ring, or asks from
// beyond its end (a daemon restarted since), is told it missed some. Thread-safe; records are
// shared, never copied under the lock.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace setpoint::runner {

class DecisionFeed {
 public:
  struct Entry {
    std::uint64_t seq;                          // 1, 2, …: the order of publishing
    std::shared_ptr<const std::string> record;  // the decision's JSON record
  };
  struct Batch {
    std::vector<Entry> entries;
    bool missed = false;     // some after the asked-for id are gone, or it was never this feed's
    bool closed = false;     // the engine is stopping: no more will come
    std::uint64_t last = 0;  // the feed's newest id when the batch was taken
  };
  static constexpr std::size_t kCapacity = 2000;
  static constexpr std::size_t kMaxBytes = 32u << 20;
  static constexpr std::size_t kBatchBytes = 512u << 10;

  void publish(std::string record);  // engine thread
  // What came after `seq` (at most kBatchBytes, one record at least), waiting up to `wait` for
  // something when nothing has. An id past the newest is answered as missed, from the start.
  Batch after(std::uint64_t seq, std::chrono::milliseconds wait);
  std::uint64_t last() const;
  void close();  // wakes every reader; they end

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Entry> ring_;
  std::size_t bytes_ = 0;
  std::uint64_t seq_ = 0;
  bool closed_ = false;
};

}  // namespace setpoint::runner

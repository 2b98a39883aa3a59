#pragma once
// The hourly flush: once an hour has closed (and a minute more, for events that arrive a
// little late), every series' rollup of that hour is read from its windows and written to
// kpi_hourly, on a thread of its own, so the engine thread never waits on the disk. The
// engine thread only says what time it is (pass()); if the hour before is still being written
// it waits for it, which in a live run never happens and in a replay keeps event time from
// outrunning the windows (the 5-minute ring holds a day).
//
// A restart resumes after the newest hour in the store, as far back as the windows still
// reach. The retention is applied after each hour; past the series cap, the series left out
// of an hour are counted. A failed write is kept and tried again a minute later.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "setpoint/history/history_store.hpp"
#include "setpoint/windows/aggregator.hpp"

namespace setpoint::history {

struct FlushOptions {
  Nanos retention = 35 * 24 * 3600 * kNanosPerSecond;
  std::size_t max_series = 10'000;     // rolled up per hour; the rest are counted
  Nanos grace = 60 * kNanosPerSecond;  // after the hour's end, before it is read
  // pass() waits for the hour it hands over: a replay's policies then read the same history
  // at the same event time on every run, however fast the machine.
  bool synchronous = false;
};

struct FlushCounts {
  std::uint64_t hours = 0;           // hours written
  std::uint64_t rows = 0;            // series-hours written
  std::uint64_t series_dropped = 0;  // series-hours left out by the cap
  std::uint64_t failures = 0;        // hours the store refused (each tried again)
};

class HourlyFlush {
 public:
  HourlyFlush(const Aggregator& aggregator, std::unique_ptr<HistoryStore> store,
              FlushOptions options);
  ~HourlyFlush();  // finishes the hour in hand
  HourlyFlush(const HourlyFlush&) = delete;
  HourlyFlush& operator=(const HourlyFlush&) = delete;

  // From the engine thread, each pass. Cheap unless an hour has closed.
  void pass(Nanos now);
  // Waits until the hour in hand (if any) is written: for tests, replay's end and shutdown.
  void settle();

  FlushCounts counts() const;
  std::string last_failure() const;
  // The hour the next flush writes (0 before the first pass).
  Nanos next_hour() const;

 private:
  void work();
  Result<void> flush(Nanos hour, Nanos now);

  const Aggregator& aggregator_;
  std::unique_ptr<HistoryStore> store_;
  FlushOptions options_;
  Nanos next_hour_ = 0;    // engine thread
  Nanos retry_after_ = 0;  // engine thread: after a failure, not before this

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::pair<Nanos, Nanos>> job_;  // (hour, now) being written
  bool stopping_ = false;
  FlushCounts counts_;
  std::string last_failure_;
  std::optional<Nanos> failed_hour_;  // the store refused it: pass() tries it again
  std::thread thread_;
};

}  // namespace setpoint::history

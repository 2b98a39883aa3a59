#include "setpoint/history/hourly_flush.hpp"

#include <vector>

namespace setpoint::history {
namespace {
constexpr Nanos kHour = 3600 * kNanosPerSecond;

Nanos hour_of(Nanos t) {
  const Nanos q = t / kHour;
  return (t % kHour != 0 && t < 0 ? q - 1 : q) * kHour;
}
}  // namespace

HourlyFlush::HourlyFlush(const Aggregator& aggregator, std::unique_ptr<HistoryStore> store,
                         FlushOptions options)
    : aggregator_(aggregator), store_(std::move(store)), options_(options) {
  thread_ = std::thread([this] { work(); });
}

HourlyFlush::~HourlyFlush() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void HourlyFlush::pass(Nanos now) {
  if (next_hour_ == 0) {
    // Resume after what the store holds, as far back as the windows still reach; a new
    // store starts with the hour now in progress.
    const auto newest = store_->newest_hour();
    const Nanos reach = hour_of(now - aggregator_.windows().resolutions.back().horizon()) + kHour;
    next_hour_ = newest && *newest > 0 ? std::max(*newest + kHour, reach) : hour_of(now);
    // Never after the hour now in progress: a store holding future hours (a clock that was
    // stepped ahead) must not stop the flush until real time catches up.
    next_hour_ = std::min(next_hour_, hour_of(now));
  }
  std::unique_lock lock(mutex_);   // uncontended but at an hour's end: a few ns a pass
  const auto retry_failed = [&] {  // the store refused an hour: it again, a minute from now
    if (!failed_hour_) return false;
    next_hour_ = *failed_hour_;
    failed_hour_.reset();
    retry_after_ = now + 60 * kNanosPerSecond;
    return true;
  };
  if (!job_) retry_failed();
  if (now < retry_after_ || now < next_hour_ + kHour + options_.grace) return;
  changed_.wait(lock, [&] { return !job_; });  // the hour before first
  if (retry_failed()) return;
  job_ = {next_hour_, now};
  next_hour_ += kHour;
  changed_.notify_all();
  if (options_.synchronous) changed_.wait(lock, [&] { return !job_; });
}

void HourlyFlush::settle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !job_; });
}

FlushCounts HourlyFlush::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

std::string HourlyFlush::last_failure() const {
  std::lock_guard lock(mutex_);
  return last_failure_;
}

Nanos HourlyFlush::next_hour() const { return next_hour_; }

void HourlyFlush::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || job_; });
    if (!job_) return;  // stopping, nothing in hand
    const auto [hour, now] = *job_;
    lock.unlock();
    const auto written = flush(hour, now);
    lock.lock();
    if (written) {
      ++counts_.hours;
    } else {
      ++counts_.failures;
      last_failure_ = written.error();
      failed_hour_ = hour;
    }
    job_.reset();
    changed_.notify_all();
  }
}

Result<void> HourlyFlush::flush(Nanos hour, Nanos now) {
  std::vector<HourRow> rows;
  sketch::Accumulator scratch;
  std::uint64_t dropped = 0;
  for (const auto& info : aggregator_.list()) {
    const auto stats = aggregator_.read_interval(info.id, hour, hour + kHour, now, scratch);
    if (!stats || stats->count == 0) continue;  // nothing that hour, or no longer held
    if (rows.size() >= options_.max_series) {
      ++dropped;
      continue;
    }
    rows.push_back(
        {info.key, info.metric, rollup_of(*stats, scratch, aggregator_.outcomes(), hour), *stats});
  }
  auto written = store_->write(rows);
  if (written && options_.retention > 0) {
    if (const auto forgotten = store_->forget_before(hour + kHour - options_.retention); !forgotten)
      written = Error{forgotten.error()};
  }
  std::lock_guard lock(mutex_);
  if (written) {
    counts_.rows += rows.size();
    counts_.series_dropped += dropped;
  }
  return written;
}

}  // namespace setpoint::history

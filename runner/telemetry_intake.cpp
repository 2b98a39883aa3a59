#include "telemetry_intake.hpp"

#include <chrono>
#include <map>

#include "setpoint/event_parser.hpp"

namespace setpoint::runner {
namespace {

// What an ingest counted between two looks at its counts.
IngestCounts since(const IngestCounts& before, IngestCounts now) {
  now.accepted -= before.accepted;
  now.blank -= before.blank;
  for (std::size_t i = 0; i < kRejectionCount; ++i) now.rejected[i] -= before.rejected[i];
  return now;
}

}  // namespace

// A parser and an ingest that belong to one thread.
struct TelemetryIntake::Worker {
  Worker(const TelemetryConfig& config, const Redactor& redactor, Aggregator& aggregator, Quarantine& quarantine, const Clock& clock)
      : parser(config.schema, config.outcomes, redactor), ingest(aggregator, parser, &quarantine, clock, TimeBase::kClock) {}
  EventParser parser;
  Ingest ingest;
  std::thread::id owner = std::this_thread::get_id();
};

TelemetryIntake::TelemetryIntake(const TelemetryConfig& config, Aggregator& aggregator, IngestTotals& totals, const Clock& clock)
    : config_(config),
      aggregator_(aggregator),
      totals_(totals),
      clock_(clock),
      redactor_(config.redact, config.redaction_key),
      quarantine_(config.quarantine_path, &redactor_) {
  if (!quarantine_.ok()) error_ = "telemetry.quarantine: " + quarantine_.error();
  for (const auto& f : config_.files) {
    FileSourceOptions options;
    options.path = f.path;
    options.checkpoint_path = f.checkpoint;
    options.max_line_bytes = config_.schema.max_line_bytes;
    files_.push_back(std::make_unique<FileSource>(options));
  }
  statuses_.resize(files_.size());
}

TelemetryIntake::~TelemetryIntake() { stop(); }

TelemetryIntake::Worker& TelemetryIntake::worker_for_this_thread() {
  std::lock_guard lock(workers_mutex_);
  for (auto& w : workers_) {
    if (w->owner == std::this_thread::get_id()) return *w;
  }
  workers_.push_back(std::make_unique<Worker>(config_, redactor_, aggregator_, quarantine_, clock_));
  return *workers_.back();
}

void TelemetryIntake::start() {
  if (files_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] { follow(); });
}

void TelemetryIntake::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  quarantine_.flush();
}

void TelemetryIntake::follow() {
  Worker& worker = worker_for_this_thread();
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    const IngestCounts before = worker.ingest.counts();
    for (auto& file : files_) {
      worker.ingest.begin_batch();
      file->poll(worker.ingest);
    }
    totals_.add(since(before, worker.ingest.counts()));
    {
      std::lock_guard status(status_mutex_);
      for (std::size_t i = 0; i < files_.size(); ++i) statuses_[i] = files_[i]->status();
    }
    lock.lock();
    // New lines are looked for every 20 ms: well inside a tick, and no busy loop.
    wake_.wait_for(lock, std::chrono::milliseconds(20), [&] { return stop_; });
  }
}

IngestCounts TelemetryIntake::ingest_body(std::string_view body, std::string_view source) {
  Worker& worker = worker_for_this_thread();
  const IngestCounts before = worker.ingest.counts();
  // The parser reads a little past each line: give the last line that padding too.
  std::string padded;
  padded.reserve(body.size() + EventParser::kPadding);
  padded.append(body);
  padded.append(EventParser::kPadding, '\0');
  const std::string_view text(padded.data(), body.size());
  worker.ingest.begin_batch();
  std::uint64_t number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    if (line.size() > config_.schema.max_line_bytes) {
      worker.ingest.line_too_long(line.size(), {source, number}, line.substr(0, 256));
    } else {
      worker.ingest.accept(line, {source, number});
    }
    start = end + 1;
  }
  const IngestCounts delta = since(before, worker.ingest.counts());
  totals_.add(delta);
  return delta;
}

std::vector<FileSourceStatus> TelemetryIntake::statuses() const {
  std::lock_guard lock(status_mutex_);
  return statuses_;
}

}  // namespace setpoint::runner

#include "engine/telemetry_intake.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "setpoint/telemetry/event_parser.hpp"

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

// A parser and an ingest, used by one thread at a time.
struct TelemetryIntake::Worker {
  Worker(const TelemetryConfig& config, const Redactor& redactor, Aggregator& aggregator,
         RejectedLineFile* quarantine, const Clock& clock)
      : parser(config.schema, config.outcomes, redactor),
        ingest(aggregator, parser, quarantine, clock, TimeBase::kClock) {}
  EventParser parser;
  Ingest ingest;
};

namespace {
// Bodies ingested at once; more wait for a worker. Each worker is a writer of the aggregator
// with its own shard of every series it touches, so this bounds the memory too.
constexpr std::size_t kMaxWorkers = 8;
}  // namespace

Result<std::unique_ptr<TelemetryIntake>> TelemetryIntake::open(const TelemetryConfig& config,
                                                               Aggregator& aggregator,
                                                               IngestTotals& totals,
                                                               const Clock& clock) {
  std::unique_ptr<TelemetryIntake> intake(new TelemetryIntake(config, aggregator, totals, clock));
  if (!config.quarantine_path.empty()) {
    // The redactor it is given is the intake's own, so it is opened once the intake exists.
    auto quarantine = RejectedLineFile::open(config.quarantine_path, &intake->redactor_,
                                             config.quarantine_max_bytes);
    if (!quarantine) return Error{"telemetry.quarantine: " + quarantine.error()};
    intake->quarantine_ = std::move(quarantine).value();
  }
  return intake;
}

TelemetryIntake::TelemetryIntake(const TelemetryConfig& config, Aggregator& aggregator,
                                 IngestTotals& totals, const Clock& clock)
    : config_(config),
      aggregator_(aggregator),
      totals_(totals),
      clock_(clock),
      redactor_(config.redact, config.redaction_key) {
  for (const auto& f : config_.files) {
    FileSourceOptions options;
    options.path = f.path;
    options.checkpoint_path = f.checkpoint;
    options.start_at_end = f.start_at_end;
    options.max_line_bytes = config_.schema.max_line_bytes;
    files_.push_back(std::make_unique<FileSource>(options));
  }
  statuses_.resize(files_.size());
}

TelemetryIntake::~TelemetryIntake() { stop(); }

TelemetryIntake::Worker* TelemetryIntake::lend(Nanos wait) {
  std::unique_lock lock(workers_mutex_);
  if (idle_.empty() && workers_.size() < kMaxWorkers) {
    workers_.push_back(
        std::make_unique<Worker>(config_, redactor_, aggregator_, quarantine_.get(), clock_));
    return workers_.back().get();
  }
  if (!worker_free_.wait_for(lock, std::chrono::nanoseconds(wait), [&] { return !idle_.empty(); }))
    return nullptr;
  Worker* worker = idle_.back();
  idle_.pop_back();
  return worker;
}

void TelemetryIntake::give_back(Worker* worker) {
  {
    std::lock_guard lock(workers_mutex_);
    idle_.push_back(worker);
  }
  worker_free_.notify_one();
}

void TelemetryIntake::start() {
  if (files_.empty() || thread_.joinable()) return;
  follower_ = std::make_unique<Worker>(config_, redactor_, aggregator_, quarantine_.get(), clock_);
  thread_ = std::thread([this] { follow(); });
}

void TelemetryIntake::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (quarantine_) quarantine_->flush();
}

void TelemetryIntake::follow() {
  Worker& worker = *follower_;
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    const IngestCounts before = worker.ingest.counts();
    for (auto& file : files_) {
      worker.ingest.begin_batch();
      file->poll(worker.ingest);
    }
    totals_.add(since(before, worker.ingest.counts()));
    if (quarantine_) quarantine_->flush();  // what /metrics counts is on disk within a batch
    {
      std::lock_guard status(status_mutex_);
      for (std::size_t i = 0; i < files_.size(); ++i) {
        const FileSourceStatus& now = files_[i]->status();
        // A new problem, or its end, is said once: not every 20 ms.
        if (now.error != statuses_[i].error) {
          if (!now.error.empty())
            spdlog::warn("telemetry: {}", now.error);
          else if (!statuses_[i].error.empty())
            spdlog::info("telemetry: {} is read again", config_.files[i].path);
        }
        statuses_[i] = now;
      }
    }
    lock.lock();
    // New lines are looked for every 20 ms: well inside a tick, and no busy loop.
    wake_.wait_for(lock, std::chrono::milliseconds(20), [&] { return stop_; });
  }
}

std::unique_ptr<TelemetryIntake::Body> TelemetryIntake::open_body(std::string source, Nanos wait) {
  Worker* worker = lend(wait);
  if (worker == nullptr) return nullptr;
  return std::make_unique<Body>(*this, worker, std::move(source));
}

TelemetryIntake::Body::Body(TelemetryIntake& intake, Worker* worker, std::string source)
    : intake_(intake),
      source_(std::move(source)),
      worker_(worker),
      before_(worker_->ingest.counts()) {
  worker_->ingest.begin_batch();
}

TelemetryIntake::Body::~Body() {
  if (worker_ != nullptr) intake_.give_back(worker_);
}

void TelemetryIntake::Body::take(std::string_view bytes) {
  const std::size_t max_line = intake_.config_.schema.max_line_bytes;
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (skipping_) {
      skipped_ += piece.size();
    } else if (pending_.size() + piece.size() > max_line + 1) {  // +1: a \r before the newline
      // Too long to keep: counted once it ends, with its start as a sample; never buffered.
      skipping_ = true;
      skipped_ = pending_.size() + piece.size();
      pending_.append(piece.substr(
          0,
          std::min<std::size_t>(piece.size(), 256 > pending_.size() ? 256 - pending_.size() : 0)));
    } else {
      pending_.append(piece);
    }
    if (newline == std::string_view::npos) return;
    lines(false);
    bytes.remove_prefix(newline + 1);
  }
}

// The line in pending_ has ended (at a newline, or at the end of the body when `last`).
void TelemetryIntake::Body::lines(bool last) {
  if (last && pending_.empty() && !skipping_) return;
  Ingest& ingest = worker_->ingest;
  ++number_;
  if (skipping_) {
    ingest.line_too_long(skipped_, {source_, number_}, std::string_view(pending_).substr(0, 256));
  } else {
    std::string_view line(pending_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > intake_.config_.schema.max_line_bytes) {
      ingest.line_too_long(line.size(), {source_, number_}, line.substr(0, 256));
    } else {
      // The parser reads a little past each line: the padding is there, past the line's end.
      const std::size_t size = pending_.size();
      pending_.append(EventParser::kPadding, '\0');
      ingest.accept(std::string_view(pending_.data(), line.size()), {source_, number_});
      pending_.resize(size);
    }
  }
  pending_.clear();
  skipping_ = false;
  skipped_ = 0;
}

IngestCounts TelemetryIntake::Body::finish() {
  lines(true);
  const IngestCounts delta = since(before_, worker_->ingest.counts());
  intake_.totals_.add(delta);
  if (intake_.quarantine_) intake_.quarantine_->flush();
  intake_.give_back(worker_);
  worker_ = nullptr;
  return delta;
}

std::string TelemetryIntake::metrics_text() const {
  const auto now = statuses();
  std::string out;
  if (quarantine_) {
    metric_family(out, "setpoint_quarantine_lines", "gauge",
                  "Rejected lines kept in the quarantine file and its rotated copy.");
    metric_sample(out, "setpoint_quarantine_lines", "",
                  static_cast<double>(quarantine_->written()));
    metric_family(out, "setpoint_quarantine_dropped_total", "counter",
                  "Rejected lines the quarantine's rotation (or a write error) dropped.");
    metric_sample(out, "setpoint_quarantine_dropped_total", "",
                  static_cast<double>(quarantine_->dropped()));
  }
  if (now.empty()) return out;
  struct Family {
    const char* name;
    const char* help;
    std::uint64_t FileSourceStatus::*count;
  };
  static constexpr Family kFamilies[] = {
      {"setpoint_file_source_lines_total", "Lines read from a followed file.",
       &FileSourceStatus::lines},
      {"setpoint_file_source_truncations_total",
       "Times a followed file was truncated or rewritten and read again from its top.",
       &FileSourceStatus::truncations},
      {"setpoint_file_source_rotations_total",
       "Times a followed file was rotated (replaced by a new file).", &FileSourceStatus::rotations},
      {"setpoint_file_source_refused_total",
       "Times the path of a followed file held something other than a regular file.",
       &FileSourceStatus::refused}};
  for (const Family& f : kFamilies) {
    metric_family(out, f.name, "counter", f.help);
    for (std::size_t i = 0; i < now.size(); ++i) {
      metric_sample(out, f.name, metric_label("file", config_.files[i].path),
                    static_cast<double>(now[i].*f.count));
    }
  }
  return out;
}

std::vector<FileSourceStatus> TelemetryIntake::statuses() const {
  std::lock_guard lock(status_mutex_);
  return statuses_;
}

}  // namespace setpoint::runner

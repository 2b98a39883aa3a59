#pragma once
// Where telemetry enters a running engine: the JSON-lines files config names, followed on the
// intake's own thread, and NDJSON bodies posted to the control plane, taken line by line as
// they arrive (never buffered whole). A body borrows one of a few workers (a parser and an
// ingest, a writer of the aggregator's of its own) for as long as it lasts, so the aggregator
// keeps a few shards per series however many connections come and go. Every count lands in
// the engine's IngestTotals; rejected lines go to the one shared quarantine.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "engine/metrics.hpp"
#include "setpoint/telemetry/file_source.hpp"
#include "setpoint/telemetry/ingest.hpp"

namespace setpoint::runner {

class TelemetryIntake {
  struct Worker;  // a parser and an ingest, lent to one body at a time

 public:
  // An error when the intake cannot run (the quarantine file cannot be opened).
  static Result<std::unique_ptr<TelemetryIntake>> open(const TelemetryConfig& config,
                                                       Aggregator& aggregator, IngestTotals& totals,
                                                       const Clock& clock);
  ~TelemetryIntake();
  TelemetryIntake(const TelemetryIntake&) = delete;
  TelemetryIntake& operator=(const TelemetryIntake&) = delete;

  // Follows the files on a thread of its own until stop().
  void start();
  void stop();
  // An NDJSON body arriving in pieces: take() each piece as it comes, finish() at its end.
  // Holds a worker from open_body() to finish(); lines longer than the schema's
  // max_line_bytes are counted (line_too_long) and skipped without being kept.
  class Body {
   public:
    Body(TelemetryIntake& intake, Worker* worker, std::string source);
    ~Body();
    Body(const Body&) = delete;
    Body& operator=(const Body&) = delete;
    void take(std::string_view bytes);
    // Ingests the last line (one without a newline); returns this body's counts.
    IngestCounts finish();

   private:
    void lines(bool last);
    TelemetryIntake& intake_;
    std::string source_;
    Worker* worker_ = nullptr;
    IngestCounts before_;
    std::string pending_;        // a line not yet ended, then room for the parser's padding
    std::uint64_t number_ = 0;   // lines so far
    bool skipping_ = false;      // inside a line too long to keep
    std::uint64_t skipped_ = 0;  // its bytes so far
  };
  // A body to take, once a worker is free; none when none frees up within `wait`.
  std::unique_ptr<Body> open_body(std::string source, Nanos wait);
  // The files' statuses, and their counters in the Prometheus text format.
  std::vector<FileSourceStatus> statuses() const;
  std::string metrics_text() const;

 private:
  friend class Body;
  TelemetryIntake(const TelemetryConfig& config, Aggregator& aggregator, IngestTotals& totals,
                  const Clock& clock);
  Worker* lend(Nanos wait);  // null if none is free within `wait`
  void give_back(Worker* worker);
  void follow();

  TelemetryConfig config_;
  Aggregator& aggregator_;
  IngestTotals& totals_;
  const Clock& clock_;
  Redactor redactor_;
  std::unique_ptr<RejectedLineFile> quarantine_;  // none without telemetry.quarantine

  std::vector<std::unique_ptr<FileSource>> files_;
  std::unique_ptr<Worker> follower_;  // the files' own
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  mutable std::mutex status_mutex_;
  std::vector<FileSourceStatus> statuses_;

  std::mutex workers_mutex_;
  std::condition_variable worker_free_;
  std::vector<std::unique_ptr<Worker>> workers_;  // at most kMaxWorkers, made as needed
  std::vector<Worker*> idle_;
};

}  // namespace setpoint::runner

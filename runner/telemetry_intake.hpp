#pragma once
// Where telemetry enters a running engine: the JSON-lines files config names, followed on the
// intake's own thread, and NDJSON bodies posted to the control plane (each request thread with
// its own parser and ingest, as the aggregator's per-thread shards require). Every count lands
// in the engine's IngestTotals; rejected lines go to the one shared quarantine.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config.hpp"
#include "engine_metrics.hpp"
#include "setpoint/file_source.hpp"
#include "setpoint/ingest.hpp"

namespace setpoint::runner {

class TelemetryIntake {
 public:
  TelemetryIntake(const TelemetryConfig& config, Aggregator& aggregator, IngestTotals& totals, const Clock& clock);
  ~TelemetryIntake();
  TelemetryIntake(const TelemetryIntake&) = delete;
  TelemetryIntake& operator=(const TelemetryIntake&) = delete;

  // "" or why the intake cannot run (the quarantine file cannot be opened).
  const std::string& error() const { return error_; }
  // Follows the files on a thread of its own until stop().
  void start();
  void stop();
  // One NDJSON body, line by line, on the calling thread. Returns this body's counts.
  IngestCounts ingest_body(std::string_view body, std::string_view source);
  // The files' statuses, for logs and /readyz.
  std::vector<FileSourceStatus> statuses() const;

 private:
  struct Worker;
  Worker& worker_for_this_thread();
  void follow();

  TelemetryConfig config_;
  Aggregator& aggregator_;
  IngestTotals& totals_;
  const Clock& clock_;
  Redactor redactor_;
  Quarantine quarantine_;
  std::string error_;

  std::vector<std::unique_ptr<FileSource>> files_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  mutable std::mutex status_mutex_;
  std::vector<FileSourceStatus> statuses_;

  std::mutex workers_mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;  // one per thread that posted a body
};

}  // namespace setpoint::runner

#pragma once
// Where an in-process resilience primitive (Bulkhead, RateLimiter, RetryPolicy,
// CircuitBreaker) records what happened to each call — success, failure or rejected — as one
// series in the aggregator, so policies see it like any other telemetry. Any thread may record:
// each records through its own handle (the aggregator's shards are per thread), found in a
// small thread-local cache.
#include <atomic>
#include <cstdint>
#include <string>

#include "setpoint/windows/aggregator.hpp"

namespace setpoint {

enum class CallOutcome { kSuccess, kFailure, kRejected };

class CallRecorder {
 public:
  // The aggregator's outcomes must include "rejected" (OutcomeSet::add("rejected", true)):
  // a rejection is neither a success nor the callee's failure. Throws std::invalid_argument if not.
  CallRecorder(Aggregator& aggregator, std::string metric, Labels labels, const Clock& clock);
  CallRecorder(const CallRecorder&) = delete;
  CallRecorder& operator=(const CallRecorder&) = delete;

  void record(CallOutcome outcome);
  // With the call's latency, in milliseconds.
  void record(CallOutcome outcome, double latency_ms);

 private:
  SeriesHandle handle();
  OutcomeIndex index(CallOutcome outcome) const;

  Aggregator& aggregator_;
  std::string metric_;
  Labels labels_;
  const Clock& clock_;
  OutcomeIndex ok_, error_, rejected_;
  std::uint64_t id_;  // this recorder's key in the threads' caches (addresses can be reused)
};

}  // namespace setpoint

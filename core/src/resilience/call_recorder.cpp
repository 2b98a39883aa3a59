#include "setpoint/resilience/call_recorder.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

namespace setpoint {
namespace {

std::atomic<std::uint64_t> next_id{1};

// This thread's handles, by recorder id. A thread records through a handful of primitives, so
// a short vector beats a map.
thread_local std::vector<std::pair<std::uint64_t, SeriesHandle>> handles;

}  // namespace

CallRecorder::CallRecorder(Aggregator& aggregator, std::string metric, Labels labels,
                           const Clock& clock)
    : aggregator_(aggregator),
      metric_(std::move(metric)),
      labels_(std::move(labels)),
      clock_(clock),
      id_(next_id++) {
  const OutcomeSet& outcomes = aggregator_.outcomes();
  const auto ok = outcomes.find("ok");
  const auto error = outcomes.find("error");
  const auto rejected = outcomes.find("rejected");
  if (!ok || !error || !rejected) {
    throw std::invalid_argument(
        "CallRecorder needs the outcomes ok, error and rejected (add \"rejected\" to the "
        "OutcomeSet)");
  }
  ok_ = *ok;
  error_ = *error;
  rejected_ = *rejected;
}

SeriesHandle CallRecorder::handle() {
  for (const auto& [id, h] : handles) {
    if (id == id_) return h;
  }
  SeriesHandle h = aggregator_.resolve(metric_, labels_);
  if (h) handles.emplace_back(id_, h);  // an empty handle (series cap reached) is retried next time
  return h;
}

OutcomeIndex CallRecorder::index(CallOutcome outcome) const {
  switch (outcome) {
    case CallOutcome::kSuccess: return ok_;
    case CallOutcome::kFailure: return error_;
    case CallOutcome::kRejected: return rejected_;
  }
  return error_;
}

void CallRecorder::record(CallOutcome outcome) {
  if (const SeriesHandle h = handle()) h.record(clock_.coarse_wall(), index(outcome));
}

void CallRecorder::record(CallOutcome outcome, double latency_ms) {
  if (const SeriesHandle h = handle()) h.record(clock_.coarse_wall(), latency_ms, index(outcome));
}

}  // namespace setpoint

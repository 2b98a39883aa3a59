// The engine's stores as it watches them: the state store's refused writes (counted, and
// warned about once a streak), and the hourly history (opened beside it, told the time each
// pass, its counts into /metrics). Members of Engine, kept apart from its loop.
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"

namespace setpoint::runner {

void Engine::watch_store() {
  const std::uint64_t failures = pipeline_->store_failures();
  const std::uint64_t fresh = failures - store_failures_seen_;
  store_failures_seen_ = failures;
  metrics_.store_write_failures += fresh;
  if (fresh > 0) store_refused(pipeline_->last_store_failure());
  // The streak ends when writes work again, not at a pass that happened to write nothing.
  if (fresh == 0 && !pipeline_->store_failing() && !state_save_failing_) store_failing_ = false;
}

Result<void> Engine::open_history(const std::string& path) {
  const std::string at = path == config_.engine.state_path ? "engine.state_path: " : "history: ";
  auto kept = history::HistoryStore::open(path);
  if (!kept) return Error{at + kept.error()};
  auto reader = history::HistoryStore::open(path);  // the engine thread's, for ctx:history
  if (!reader) return Error{at + reader.error()};
  history_reader_ = std::move(reader).value();
  history_ = std::make_unique<history::HourlyFlush>(
      aggregator_, std::move(kept).value(),
      history::FlushOptions{config_.engine.history.retention, config_.engine.history.max_series,
                            60 * kNanosPerSecond, !options_.persistent});
  return {};
}

void Engine::watch_history(Nanos wall) {
  history_->pass(wall);
  const auto counts = history_->counts();
  if (metrics_.history && counts.failures > metrics_.history->failures)
    spdlog::warn("engine.history: an hour could not be written, it is tried again in a minute: {}",
                 history_->last_failure());
  metrics_.history = counts;
}

void Engine::store_refused(const std::string& why) {
  if (store_failing_) return;
  spdlog::warn(
      "engine.state_path refuses writes: {} (each is counted in "
      "setpoint_store_write_failures_total; no effect is attempted while its intent cannot be "
      "stored; said again only after writes work again)",
      why);
  store_failing_ = true;
}

}  // namespace setpoint::runner

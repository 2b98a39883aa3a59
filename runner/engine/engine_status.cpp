// The status feed (status_feed.hpp) as the engine runs it: started from the restored values,
// told of every finished decision, and each change of state recorded like any decision — in
// the store, the decision log and the live stream.
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"
#include "engine/status_feed.hpp"

namespace setpoint::runner {
namespace {
constexpr const char* kStatusKey = "status_feed";
}

void Engine::start_status(Nanos wall) {
  status_ = std::make_unique<StatusFeed>(config_.statuses);
  std::string saved;
  if (store_) {
    const auto loaded = store_->load_state(kStatusKey);
    if (!loaded)
      spdlog::error("the status feed's last states cannot be read; each starts now: {}",
                    loaded.error());
    else if (*loaded)
      saved = **loaded;
  }
  status_->start(*guard_, saved, wall);
}

void Engine::record_status_changes(Nanos wall) {
  auto changes = status_->take_changes(wall);
  if (changes.empty()) return;
  for (auto& d : changes) {
    if (store_) {
      if (const auto kept = store_->record(d); !kept) {
        ++metrics_.store_write_failures;
        store_refused("the status feed's change: " + kept.error());
      }
    }
    const std::string line = decision_json(d);
    if (decision_log_) write_decision_log(line);
    if (options_.on_decision) options_.on_decision(line);
    if (options_.publish) feed_.publish(line);
    spdlog::info("status: {}", d.detail);
  }
  if (store_ && !dry_run()) {
    if (const auto saved = store_->save_state(kStatusKey, status_->save(), wall); !saved) {
      ++metrics_.store_write_failures;
      store_refused("the status feed's states: " + saved.error());
    }
  }
}

}  // namespace setpoint::runner

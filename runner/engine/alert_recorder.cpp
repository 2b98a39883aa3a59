#include "engine/alert_recorder.hpp"

#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {

bool AlertRecorder::record(const std::string& source, const std::string& kind,
                           const std::string& message, Nanos now) {
  if (store_ == nullptr) return true;
  const std::string text = utf8::printable(message, 1024);
  const std::string key = source + '\x1f' + kind + '\x1f' + text;
  if (const auto it = recent_.find(key);
      it != recent_.end() && now - it->second.last < kRepeatWindow) {
    if (!store_->repeat_alert(it->second.id, now)) return false;
    it->second.last = now;
    return true;
  }
  if (recent_.size() >= kMaxRemembered)
    std::erase_if(recent_, [&](const auto& e) { return now - e.second.last >= kRepeatWindow; });
  if (recent_.size() >= kMaxRemembered) recent_.clear();  // a storm of distinct alerts
  const auto id = store_->record_alert({0, now, now, source, kind, text, 1});
  if (!id) return false;
  recent_[key] = {*id, now};
  return true;
}

}  // namespace setpoint::runner

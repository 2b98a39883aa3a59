#include "setpoint/bindings/context.hpp"

#include <unordered_map>

#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_text.hpp"

namespace setpoint::bindings {

std::string PolicyOutputs::evidence() const {
  // Each window's last read, in the order windows were first read; the first kMaxEvidence kept.
  std::unordered_map<std::string, std::size_t> last;  // "key@span" → index of its last read
  std::vector<std::string> order;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    std::string id =
        reads[i].key + "@" + format_duration(reads[i].span) + (reads[i].history ? " history" : "");
    const auto [it, fresh] = last.try_emplace(id, i);
    if (fresh)
      order.push_back(std::move(id));
    else
      it->second = i;
  }
  std::string json = "{";
  for (std::size_t k = 0; k < order.size() && k < kMaxEvidence; ++k) {
    const WindowRead& r = reads[last.at(order[k])];
    if (json.size() > 1) json += ',';
    json_text::append_string(json, order[k]);
    json += ":{\"count\":";
    json_text::append_number(json, r.count);
    const std::pair<const char*, double> fields[] = {
        {"error_rate", r.error_rate}, {"p50", r.p50}, {"p99", r.p99}, {"rate", r.rate}};
    for (const auto& [name, value] : fields) {
      json += ",\"";
      json += name;
      json += "\":";
      json_text::append_number(json, value);
    }
    if (r.history) {
      json += ",\"hours_found\":";
      json_text::append_number(json, static_cast<std::uint64_t>(r.hours_found));
    }
    json += '}';
  }
  if (order.size() > kMaxEvidence) {
    json += ",\"omitted\":";
    json_text::append_number(json, static_cast<std::uint64_t>(order.size() - kMaxEvidence));
  }
  return json + "}";
}

}  // namespace setpoint::bindings

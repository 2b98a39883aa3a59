#include "setpoint/bindings/context.hpp"

#include "setpoint/duration.hpp"
#include "setpoint/json_text.hpp"

namespace setpoint::bindings {

std::string PolicyOutputs::evidence() const {
  std::string json = "{";
  for (std::size_t i = 0; i < reads.size(); ++i) {
    const WindowRead& r = reads[i];
    bool later = false;
    for (std::size_t j = i + 1; j < reads.size() && !later; ++j) later = reads[j].key == r.key && reads[j].span == r.span;
    if (later) continue;
    if (json.size() > 1) json += ',';
    json_text::append_string(json, r.key + "@" + format_duration(r.span));
    json += ":{\"count\":";
    json_text::append_number(json, r.count);
    const std::pair<const char*, double> fields[] = {{"error_rate", r.error_rate}, {"p50", r.p50}, {"p99", r.p99}, {"rate", r.rate}};
    for (const auto& [name, value] : fields) {
      json += ",\"";
      json += name;
      json += "\":";
      json_text::append_number(json, value);
    }
    json += '}';
  }
  return json + "}";
}

}  // namespace setpoint::bindings

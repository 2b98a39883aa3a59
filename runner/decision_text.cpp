#include "decision_text.hpp"

#include <nlohmann/json.hpp>

namespace setpoint::runner {

std::string decision_text(const std::string& record_json) {
  const auto d = nlohmann::json::parse(record_json, nullptr, false);
  if (d.is_discarded()) return record_json;
  const auto text = [&](const char* key) {
    if (!d.contains(key) || d[key].is_null()) return std::string();
    return d[key].is_string() ? d[key].get<std::string>() : d[key].dump();
  };
  std::string line = text("at") + "  " + text("policy") + "  " + text("kind") + " " + text("target");
  if (d.contains("current") && d.contains("value")) line += " " + text("current") + " -> " + text("value");
  else if (d.contains("proposed")) line += " " + text("proposed");
  line += "  " + text("verdict");
  if (text("verdict") != "allow") line += " (" + text("verdict_reason") + ")";
  line += "  " + text("mode") + ": " + text("outcome");
  // An allowed change says it all above; a block, a clamp or a failure says why.
  if (!text("detail").empty() && (text("verdict") != "allow" || text("outcome") == "failed")) line += ": " + text("detail");
  if (!text("reason").empty()) line += "  [" + text("reason") + "]";
  return line;
}

}  // namespace setpoint::runner

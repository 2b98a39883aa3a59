#include "decision_text.hpp"

#include "setpoint/json_document.hpp"

namespace setpoint::runner {

std::string decision_text(const std::string& record_json) {
  const auto d = parse_own_json(record_json);
  if (!d.is_object()) return record_json;
  const auto text = [&](const char* key) {
    if (!d.contains(key) || d[key].is_null()) return std::string();
    return d[key].is_string() ? d[key].get<std::string>() : dump(d[key]);
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

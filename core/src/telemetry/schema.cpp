#include "setpoint/telemetry/schema.hpp"

#include <map>

namespace setpoint {

const char* ts_unit_name(TsUnit unit) {
  switch (unit) {
    case TsUnit::kSeconds: return "s";
    case TsUnit::kMillis: return "ms";
    case TsUnit::kMicros: return "us";
    case TsUnit::kNanos: return "ns";
  }
  return "ms";
}

Result<void> TelemetrySchema::check_roles() const {
  std::map<std::string, std::string> role_of;
  std::string found;
  const auto claim = [&](const std::string& field, const char* role) {
    if (field.empty() || !found.empty()) return;
    const auto [it, fresh] = role_of.emplace(field, role);
    if (!fresh && it->second != role) found = field + " is both " + it->second + " and " + role;
  };
  for (const auto& f : ts_fields) claim(f, "a timestamp field");
  for (const auto& alternative : metric_fields) {
    for (const auto& f : alternative) claim(f, "a metric field");
  }
  for (const auto& f : value_fields) claim(f, "a value field");
  for (const auto& f : outcome_fields) claim(f, "an outcome field");
  claim(labels_field, "the labels object");
  for (const auto& f : label_fields) claim(f, "a label field");
  claim(schema_version_field, "the schema version field");
  if (!found.empty()) return Error{found};
  return {};
}

std::string TelemetrySchema::metric_fields_text() const {
  std::string out;
  for (std::size_t a = 0; a < metric_fields.size(); ++a) {
    if (a > 0) out += ", or ";
    for (std::size_t p = 0; p < metric_fields[a].size(); ++p) {
      if (p > 0) out += p + 1 == metric_fields[a].size() ? " and " : ", ";
      out += metric_fields[a][p];
    }
  }
  return out;
}

}  // namespace setpoint

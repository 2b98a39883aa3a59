#pragma once
// How telemetry lines map onto series, and what a valid line is. The defaults read the
// canonical fields; config can point the roles at other field names, so a record like
// {"timestamp":…,"component":"checkout","action":"pay","result":"error","latency_ms":812}
// is ingested as it is.
#include <cstdint>
#include <string>
#include <vector>

#include "setpoint/clock.hpp"

namespace setpoint {

struct TelemetrySchema {
  // Each role lists the fields that may fill it, first present wins.
  std::vector<std::string> ts_fields{"ts", "timestamp"};
  // The metric name: the first alternative whose fields are all present, joined with '.'.
  std::vector<std::vector<std::string>> metric_fields{{"metric"}, {"component", "action"}};
  std::vector<std::string> value_fields{"value", "latency_ms"};
  std::vector<std::string> outcome_fields{"outcome", "result"};
  std::string labels_field = "labels";       // an object of string labels
  std::vector<std::string> label_fields{};   // top-level fields that also become labels
  // Canonical fields checked for type (strings) but not aggregated.
  std::vector<std::string> string_fields{"error_code", "trace_id", "session_id",
                                         "deployment_id", "config_version"};
  std::string schema_version_field = "schema_version";

  // Validation.
  std::vector<std::string> required{};          // fields that must be present, beyond the metric
  std::vector<std::int64_t> schema_versions{};  // accepted versions; empty accepts any
  bool require_ts = false;
  Nanos max_future_skew = 5 * 60 * kNanosPerSecond;
  Nanos max_past_skew = 24 * 3600 * kNanosPerSecond;
  double min_value = 0;
  double max_value = 1e12;
  std::size_t max_labels = 16;
  std::size_t max_label_bytes = 256;  // for names, values and the metric name
  std::size_t max_line_bytes = 1 << 20;
};

}  // namespace setpoint

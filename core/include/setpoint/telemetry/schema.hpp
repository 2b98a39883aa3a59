#pragma once
// How telemetry lines map onto series, and what a valid line is. The defaults read the
// canonical fields; config can point the roles at other field names, so a record like
// {"timestamp":…,"component":"checkout","action":"pay","result":"error","latency_ms":812}
// is ingested as it is.
#include <cstdint>
#include <string>
#include <vector>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint {

// How a numeric timestamp counts from the epoch.
enum class TsUnit { kSeconds, kMillis, kMicros, kNanos };

// Numeric outcomes (HTTP status codes): codes in [lo, hi] are this outcome.
struct OutcomeCodes {
  std::int64_t lo = 0, hi = 0;
  std::string outcome;
  bool operator==(const OutcomeCodes&) const = default;
};

struct TelemetrySchema {
  // Each role lists the fields that may fill it, first present wins.
  std::vector<std::string> ts_fields{"ts", "timestamp"};
  TsUnit ts_unit = TsUnit::kMillis;  // for a number; strings are RFC 3339
  // The metric name: the first alternative whose fields are all present, joined with '.'.
  std::vector<std::vector<std::string>> metric_fields{{"metric"}, {"component", "action"}};
  std::string metric_name;  // a constant name for a line in which no alternative is present
  std::vector<std::string> value_fields{"value", "latency_ms"};
  std::vector<std::string> outcome_fields{"outcome", "result"};
  // An outcome given as a number (or a string of digits), like an HTTP status: the narrowest
  // range that holds it names its outcome; a code in none is ok.
  std::vector<OutcomeCodes> outcome_codes{{500, 599, "error"}};
  std::string labels_field = "labels";      // an object of string labels
  std::vector<std::string> label_fields{};  // top-level fields that also become labels
  // Canonical fields checked for type (strings) but not aggregated.
  std::vector<std::string> string_fields{"error_code", "trace_id", "session_id", "deployment_id",
                                         "config_version"};
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

  // Each field fills one role (the second was once dropped in silence): an error naming a
  // field claimed by two, as "op is both a metric field and a label field".
  Result<void> check_roles() const;
  // The metric's mapping in words, for a rejection: "metric, or component and action".
  std::string metric_fields_text() const;

  bool operator==(const TelemetrySchema&) const = default;
};

const char* ts_unit_name(TsUnit unit);

}  // namespace setpoint

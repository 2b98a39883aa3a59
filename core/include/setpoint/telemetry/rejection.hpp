#pragma once
// Why a telemetry line was not accepted. Every rejected line has exactly one reason, is
// counted under it, and goes to the quarantine file with it.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace setpoint {

enum class Rejection : std::uint8_t {
  kMalformedJson,    // not JSON, truncated JSON, trailing garbage
  kInvalidUtf8,      // bytes that are not UTF-8
  kNotObject,        // JSON, but not an object
  kDuplicateKey,     // a field the schema uses appears twice
  kMissingField,     // a required field is absent
  kWrongType,        // a field has the wrong JSON type
  kBadNumber,        // a number JSON cannot hold exactly (1e400, NaN, Infinity)
  kOutOfRange,       // a value outside the configured range
  kBadTimestamp,     // a timestamp that is not RFC 3339 or epoch milliseconds
  kTimestampFuture,  // further ahead of the clock than the allowed skew
  kTimestampPast,    // further behind the clock than the allowed skew
  kSchemaVersion,    // a schema_version the config does not accept
  kUnknownOutcome,   // an outcome the config does not declare
  kBadLabel,         // a label that is not a string, or an empty metric name
  kTooManyLabels,    // more labels than the configured maximum
  kLabelTooLong,     // a label name or value, or the metric name, past the maximum length
  kLineTooLong,      // a line past the maximum line length (dropped without buffering it)
  kCardinality,      // the event would create a series past the series cap
  kCount
};

constexpr std::size_t kRejectionCount = static_cast<std::size_t>(Rejection::kCount);

// The reason's name as it appears in counters, rejected-line records and metrics.
std::string_view name(Rejection reason);

}  // namespace setpoint

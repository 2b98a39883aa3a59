#pragma once
// Turns one telemetry line into an Event, or says why not. simdjson's On-Demand parser reads
// each field once, in document order, and only the fields the schema names are looked at.
// The Event holds views into the parser's buffers: valid until the next parse().
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "setpoint/base/clock.hpp"
#include "setpoint/telemetry/redactor.hpp"
#include "setpoint/telemetry/rejection.hpp"
#include "setpoint/telemetry/schema.hpp"
#include "setpoint/windows/outcomes.hpp"
#include "setpoint/windows/series.hpp"

namespace setpoint {

struct Event {
  std::optional<Nanos> ts;
  std::string_view metric;
  std::vector<LabelView> labels;
  // The labels object as it appears in the line, when parsing it was deferred (see
  // EventParser::defers_labels): a series already seen under these exact bytes needs no
  // label parsing at all.
  std::string_view labels_raw;
  bool labels_deferred = false;
  std::optional<double> value;
  OutcomeIndex outcome = OutcomeSet::kOk;
  std::optional<std::int64_t> schema_version;
  // A numeric timestamp read as milliseconds that is small enough to be epoch seconds: a
  // rejection for skew says so, with the setting that fixes it.
  bool ts_maybe_seconds = false;
};

class EventParser {
 public:
  // Bytes that must be readable past the end of every line handed to parse().
  static const std::size_t kPadding;

  EventParser(TelemetrySchema schema, OutcomeSet outcomes, Redactor redactor = {});
  ~EventParser();
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  // Parses `line` (no newline; kPadding readable bytes after it). None on success.
  std::optional<Rejection> parse(std::string_view line, Event& event);
  // With no redaction configured, parse() leaves the labels object unparsed (labels_raw) and
  // the caller calls parse_labels() only for bytes it has not seen before. With redaction
  // the raw bytes could hold personal data, so labels are always parsed and redacted.
  bool defers_labels() const { return redactor_.empty(); }
  // Parses and validates event.labels_raw into event.labels.
  std::optional<Rejection> parse_labels(Event& event);
  // What was wrong with the last rejected line, for a person ("field \"latency_ms\": …").
  const std::string& detail() const { return detail_; }
  const TelemetrySchema& schema() const { return schema_; }
  const Redactor& redactor() const { return redactor_; }

 private:
  struct Impl;
  struct Field;
  const Field* field_for(std::string_view key) const;
  std::optional<Rejection> reject(Rejection reason, std::string detail);
  template <typename Object>
  std::optional<Rejection> read_labels(Object& labels, std::string_view key, Event& event);
  template <typename Value>
  std::optional<Rejection> check_unused(Value& value, std::string_view key, int depth);
  std::optional<OutcomeIndex> outcome_of_code(std::int64_t code) const;

  TelemetrySchema schema_;
  OutcomeSet outcomes_;
  Redactor redactor_;
  std::vector<Field> fields_;
  std::array<std::int16_t, 256> first_by_hash_;  // index into fields_ by a cheap key hash
  std::unique_ptr<Impl> impl_;
  std::string metric_;
  Nanos ts_minute_ = 0;              // the last RFC 3339 timestamp's minute, for consecutive events
  char ts_prefix_[16]{};             // its "YYYY-MM-DDTHH:MM" text
  std::vector<std::string> hashed_;  // storage for hashed label values
  struct Codes {
    std::int64_t lo, hi;
    OutcomeIndex outcome;
  };
  std::vector<Codes> codes_;  // the schema's outcome codes, narrowest first
  double ts_to_millis_ = 1;
  std::string detail_;
};

}  // namespace setpoint

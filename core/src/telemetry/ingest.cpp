#include "setpoint/telemetry/ingest.hpp"

namespace setpoint {

std::uint64_t IngestCounts::rejected_total() const {
  std::uint64_t total = 0;
  for (auto n : rejected) total += n;
  return total;
}

void IngestCounts::add(const IngestCounts& other) {
  accepted += other.accepted;
  blank += other.blank;
  for (std::size_t i = 0; i < rejected.size(); ++i) rejected[i] += other.rejected[i];
}

Ingest::Ingest(Aggregator& aggregator, EventParser& parser, RejectedLineFile* rejected_lines,
               const Clock& clock, TimeBase base)
    : aggregator_(aggregator),
      parser_(parser),
      rejected_lines_(rejected_lines),
      clock_(clock),
      base_(base) {
  begin_batch();
}

void Ingest::begin_batch() { batch_now_ = clock_.coarse_wall(); }

Nanos Ingest::now() const {
  return base_ == TimeBase::kEvents && stream_started_ ? stream_now_ : batch_now_;
}

bool Ingest::reject(Rejection reason, std::string_view detail, SourcePos pos,
                    std::string_view line) {
  ++counts_.rejected[static_cast<std::size_t>(reason)];
  if (rejected_lines_ != nullptr) rejected_lines_->add(now(), reason, detail, pos.str(), line);
  return false;
}

void Ingest::line_too_long(std::uint64_t bytes, SourcePos source, std::string_view head) {
  reject(Rejection::kLineTooLong,
         "the line has " + std::to_string(bytes) + " bytes; the maximum is " +
             std::to_string(parser_.schema().max_line_bytes),
         source, head);
}

SeriesHandle Ingest::series_for(SourcePos source, std::string_view text) {
  // The cache key: the metric and the labels as they came. With deferred labels these are
  // the raw bytes of the labels object, so a series seen before costs no label parsing.
  key_.clear();
  key_.append(event_.metric);
  key_.push_back('\x1f');
  key_.append(event_.labels_raw);
  for (const auto& [k, v] : event_.labels) {
    key_.push_back('\x1f');
    key_.append(k);
    key_.push_back('=');
    key_.append(v);
  }
  if (const SeriesHandle* cached = handles_.find(key_)) return *cached;

  if (auto reason = parser_.parse_labels(event_)) {
    reject(*reason, parser_.detail(), source, text);
    return {};
  }
  Labels labels;
  labels.reserve(event_.labels.size());
  for (const auto& [k, v] : event_.labels) labels.emplace_back(k, v);
  SeriesHandle handle = aggregator_.resolve(event_.metric, labels, writer_);
  if (!handle) {
    reject(Rejection::kCardinality,
           "the series cap (" + std::to_string(aggregator_.series_count()) +
               " series) is reached; " + series_key(event_.metric, labels).substr(0, 200) +
               " would be new",
           source, text);
    return {};
  }
  // The same series may arrive under many spellings (label order, spacing): the cache is
  // bounded and starts over when full.
  handles_.insert(key_, handle);
  return handle;
}

bool Ingest::accept(std::string_view text, SourcePos source) {
  if (text.find_first_not_of(" \t\r") == std::string_view::npos) {
    ++counts_.blank;
    return false;
  }
  if (auto reason = parser_.parse(text, event_)) {
    return reject(*reason, parser_.detail(), source, text);
  }
  const auto& schema = parser_.schema();
  Nanos t = now();
  if (event_.ts) {
    if (base_ == TimeBase::kEvents && !stream_started_) {
      stream_now_ = *event_.ts;
      stream_started_ = true;
      stream_maybe_seconds_ = event_.ts_maybe_seconds;
      t = stream_now_;
    }
    // A skew of decades is a unit mistake more often than a clock's: say which setting fixes it.
    const auto hint = [&]() -> std::string {
      if (event_.ts_maybe_seconds)
        return " (the number looks like epoch seconds: set telemetry.mapping.ts_unit: s)";
      if (stream_maybe_seconds_) {
        return " (the clock started at the first event, whose number looks like epoch seconds: set "
               "telemetry.mapping.ts_unit: s)";
      }
      return {};
    };
    const Nanos ahead = *event_.ts - t;
    if (ahead > schema.max_future_skew) {
      return reject(Rejection::kTimestampFuture,
                    "the timestamp is " + std::to_string(ahead / kNanosPerSecond) +
                        " s ahead of the clock; the allowed skew is " +
                        std::to_string(schema.max_future_skew / kNanosPerSecond) + " s" + hint(),
                    source, text);
    }
    if (-ahead > schema.max_past_skew) {
      return reject(Rejection::kTimestampPast,
                    "the timestamp is " + std::to_string(-ahead / kNanosPerSecond) +
                        " s behind the clock; the allowed skew is " +
                        std::to_string(schema.max_past_skew / kNanosPerSecond) + " s" + hint(),
                    source, text);
    }
    t = *event_.ts;
  }

  SeriesHandle handle = series_for(source, text);
  if (!handle) return false;
  if (event_.value) {
    handle.record(t, *event_.value, event_.outcome);
  } else {
    handle.record(t, event_.outcome);
  }
  if (base_ == TimeBase::kEvents && t > stream_now_) stream_now_ = t;
  ++counts_.accepted;
  return true;
}

}  // namespace setpoint

#pragma once
// The ingest pipeline for one source: line → parse and validate → series → record. Every line
// ends accepted or rejected under exactly one reason; a rejected line goes to the rejected-line
// file (telemetry.quarantine in the config) and never touches its neighbours. One thread at a
// time per Ingest (it caches its handles).
#include <array>
#include <string>
#include <string_view>

#include "setpoint/telemetry/event_parser.hpp"
#include "setpoint/telemetry/handle_cache.hpp"
#include "setpoint/telemetry/line_sink.hpp"
#include "setpoint/telemetry/rejected_line_file.hpp"
#include "setpoint/windows/aggregator.hpp"

namespace setpoint {

struct IngestCounts {
  std::uint64_t accepted = 0;
  std::array<std::uint64_t, kRejectionCount> rejected{};
  std::uint64_t blank = 0;  // empty or whitespace-only lines: skipped, not errors
  std::uint64_t rejected_total() const;
  void add(const IngestCounts& other);
};

// Which clock checks timestamps and stamps events that have none.
enum class TimeBase {
  kClock,   // live: the clock, read once per batch
  kEvents,  // replay and stats: the newest accepted event's time
};

// It records as a writer of its own (see series.hpp), so it may be handed from thread to thread.
class Ingest final : public LineSink {
 public:
  Ingest(Aggregator& aggregator, EventParser& parser, RejectedLineFile* rejected_lines,
         const Clock& clock, TimeBase base);

  // Reads the clock once for the lines that follow: one read per batch, not per event.
  void begin_batch();
  // One line without its newline, kPadding readable bytes after it. True when accepted.
  bool accept(std::string_view text, SourcePos pos);
  void line(std::string_view text, SourcePos pos) override { accept(text, pos); }
  void line_too_long(std::uint64_t bytes, SourcePos pos, std::string_view head) override;

  // The time events are measured against now.
  Nanos now() const;
  const IngestCounts& counts() const { return counts_; }

 private:
  bool reject(Rejection reason, std::string_view detail, SourcePos pos, std::string_view line);
  // The handle for the parsed event's series; empty (and the line rejected) when its labels
  // are invalid or the series cap is reached.
  SeriesHandle series_for(SourcePos source, std::string_view text);

  Aggregator& aggregator_;
  const WriterId writer_ = new_writer_id();  // its own: any one thread at a time may use it
  EventParser& parser_;
  RejectedLineFile* rejected_lines_;
  const Clock& clock_;
  TimeBase base_;
  Nanos batch_now_ = 0;
  Nanos stream_now_ = 0;
  bool stream_started_ = false;
  bool stream_maybe_seconds_ = false;  // the first event's number looked like epoch seconds
  Event event_;
  std::string key_;
  HandleCache handles_;
  IngestCounts counts_;
};

}  // namespace setpoint

#pragma once
// The engines of a replay, one a lane: a plain replay has one; a decision diff one per version
// of the policies, fed the same lines and passed at the same times on one manual clock.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/temporary_file.hpp"
#include "setpoint/telemetry/event_parser.hpp"
#include "setpoint/telemetry/ingest.hpp"

namespace setpoint::runner {

struct Lane {
  std::string policies;  // the folder it runs
  std::optional<TemporaryFile> history;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<EventParser> parser;
  std::unique_ptr<Ingest> ingest;
};

// Opens `lane` for its `policies` (empty: config's folder): its own engine, history (in
// `history`, else a temporary file) and ingest, on the replay's clock; `on_decision` hears its
// records. Or why it could not start.
Result<void> open_lane(Lane& lane, const Config& base, const std::string& stdlib,
                       const std::string& history, ManualClock& clock, const SystemClock& cpu,
                       DecisionLog on_decision);

// Why a diff cannot compare its two lanes' folders: a policy that did not load, or different
// parameters set by each; "" when it can.
std::string incomparable(std::vector<Lane>& lanes);

// Feeds lines to every lane's ingest and passes every engine whenever event time passes a
// tick; `on_pass` hears each pass's time once all have passed.
class ReplaySink final : public LineSink {
 public:
  ReplaySink(std::vector<Lane>& lanes, ManualClock& clock, Nanos from, Nanos to,
             std::function<void(Nanos)> on_pass);
  void line(std::string_view text, SourcePos pos) override;
  void line_too_long(std::uint64_t bytes, SourcePos pos, std::string_view head) override;
  std::uint64_t ticks() const { return ticks_; }

 private:
  void advance(Nanos t);

  std::vector<Lane>& lanes_;
  ManualClock& clock_;
  Nanos from_, to_, tick_;
  std::function<void(Nanos)> on_pass_;
  Nanos next_ = 0;
  bool started_ = false;
  bool done_ = false;
  std::uint64_t ticks_ = 0;
};

}  // namespace setpoint::runner

#include "commands/replay_lanes.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <set>

namespace setpoint::runner {
namespace {

// The parameters a folder's policies may set, all of them.
std::set<std::string> parameters_of(Engine& engine) {
  std::set<std::string> out;
  for (const auto& [file, live] : engine.folder().live())
    out.insert(live.info.params.begin(), live.info.params.end());
  return out;
}

}  // namespace

ReplaySink::ReplaySink(std::vector<Lane>& lanes, ManualClock& clock, Nanos from, Nanos to,
                       std::function<void(Nanos)> on_pass)
    : lanes_(lanes),
      clock_(clock),
      from_(from),
      to_(to),
      tick_(lanes.front().engine->config().engine.tick),
      on_pass_(std::move(on_pass)) {}

void ReplaySink::line(std::string_view text, SourcePos pos) {
  if (done_) return;
  bool accepted = false;
  for (auto& lane : lanes_) accepted = lane.ingest->accept(text, pos);
  if (!accepted && !started_) return;
  advance(lanes_.front().ingest->now());
}

void ReplaySink::line_too_long(std::uint64_t bytes, SourcePos pos, std::string_view head) {
  for (auto& lane : lanes_) lane.ingest->line_too_long(bytes, pos, head);
}

void ReplaySink::advance(Nanos t) {
  if (!started_) {
    started_ = true;
    next_ = t;
    clock_.set_wall(t);
    for (auto& lane : lanes_) lane.engine->restart_schedules(t);
  }
  if (t > to_) {
    done_ = true;
    t = to_;
  }
  while (next_ <= t) {
    clock_.set_wall(next_);
    if (next_ >= from_) {
      for (auto& lane : lanes_) lane.engine->tick();
      ++ticks_;
      on_pass_(next_);
    }
    next_ += tick_;
  }
}

std::string incomparable(std::vector<Lane>& lanes) {
  for (auto& lane : lanes) {
    for (const auto& [file, status] : lane.engine->folder().status()) {
      if (!status.ok && !status.gone)
        return lane.policies + "/" + file + " did not load: " + status.message;
    }
  }
  const auto a = parameters_of(*lanes[0].engine), b = parameters_of(*lanes[1].engine);
  if (a == b) return "";
  const auto only = [](const std::set<std::string>& x, const std::set<std::string>& y) {
    std::string out;
    for (const auto& p : x)
      if (!y.contains(p)) out += (out.empty() ? "" : ", ") + p;
    return out.empty() ? std::string("none") : out;
  };
  return "the two folders' policies set different parameters: only in " + lanes[0].policies + ": " +
         only(a, b) + "; only in " + lanes[1].policies + ": " + only(b, a);
}

Result<void> open_lane(Lane& lane, const Config& base, const std::string& stdlib,
                       const std::string& history, ManualClock& clock, const SystemClock& cpu,
                       DecisionLog on_decision) {
  Config config = base;
  if (!lane.policies.empty()) config.policies.dir = lane.policies;
  lane.policies = config.policies.dir;
  EngineOptions options;
  options.clock = &clock;
  options.cpu_clock = &cpu;
  options.dry_run = true;
  options.persistent = false;
  options.publish = false;
  options.stdlib_dir = stdlib;
  options.on_decision = std::move(on_decision);
  // The hourly history of what is replayed, so a policy that reads ctx:history on day 30
  // reads days 1 to 29: in --history's file, or a temporary one removed at the end.
  if (history.empty()) {
    lane.history.emplace("setpoint-replay-history");
    if (lane.history->path.empty())
      std::cerr << "setpoint replay: no temporary file for the history in $TMPDIR ("
                << std::strerror(errno) << "): ctx:history reads nil\n";
    options.history_path = lane.history->path;
  } else {
    options.history_path = history;  // checked by run_replay: a new file
  }
  const Redactor redactor = config.redactor();
  lane.parser =
      std::make_unique<EventParser>(config.telemetry.schema, config.telemetry.outcomes, redactor);
  lane.engine = std::make_unique<Engine>(std::move(config), std::move(options));
  if (const auto started = lane.engine->start(); !started) return Error{started.error()};
  // Rejections are counted, not added to the live quarantine.
  lane.ingest = std::make_unique<Ingest>(lane.engine->aggregator(), *lane.parser, nullptr, clock,
                                         TimeBase::kEvents);
  return {};
}

}  // namespace setpoint::runner

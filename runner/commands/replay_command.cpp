#include "commands/replay_command.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands/decision_text.hpp"
#include "commands/recorded_telemetry.hpp"
#include "engine/engine.hpp"
#include "engine/temporary_file.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/history/history_store.hpp"
#include "setpoint/telemetry/event_parser.hpp"
#include "setpoint/telemetry/ingest.hpp"

namespace setpoint::runner {
namespace {

// A replay's history is its own: a file that already holds hours (a daemon's state file, an
// earlier replay's) would be pruned by this replay's retention and read before its grace, so
// the same replay would decide differently the second time.
Result<void> fresh_history(const std::string& path, const std::string& state_path) {
  std::error_code ec;
  if (std::filesystem::equivalent(path, state_path, ec) ||
      std::filesystem::weakly_canonical(path, ec) ==
          std::filesystem::weakly_canonical(state_path, ec))
    return Error{"is engine.state_path, the daemon's own store; give a new file"};
  if (!std::filesystem::exists(path, ec)) return {};
  auto store = history::HistoryStore::open(path);
  if (!store) return Error{store.error()};
  const auto newest = (*store)->newest_hour();
  if (!newest) return Error{newest.error()};
  if (*newest > 0)
    return Error{"already holds a history (up to " + format_rfc3339(*newest) +
                 "); a replay writes a new one: give a new file"};
  return {};
}

using json = nlohmann::json;

struct Trajectory {
  double min = 0, max = 0, last = 0;
  std::uint64_t changes = 0;
  bool seen = false;
  void add(double v) {
    if (!seen) {
      min = max = last = v;
      seen = true;
      return;
    }
    if (v != last) ++changes;
    min = std::min(min, v);
    max = std::max(max, v);
    last = v;
  }
};

// Feeds lines to the ingest and ticks the engine whenever event time passes a tick.
class ReplaySink final : public LineSink {
 public:
  ReplaySink(Engine& engine, Ingest& ingest, ManualClock& clock, Nanos from, Nanos to)
      : engine_(engine),
        ingest_(ingest),
        clock_(clock),
        from_(from),
        to_(to),
        tick_(engine.config().engine.tick) {}

  void line(std::string_view text, SourcePos pos) override {
    if (done_) return;
    if (!ingest_.accept(text, pos) && !started_) return;
    advance(ingest_.now());
  }
  void line_too_long(std::uint64_t bytes, SourcePos pos, std::string_view head) override {
    ingest_.line_too_long(bytes, pos, head);
  }

  void advance(Nanos t) {
    if (!started_) {
      started_ = true;
      next_ = t;
      clock_.set_wall(t);
      engine_.restart_schedules(t);
    }
    if (t > to_) {
      done_ = true;
      t = to_;
    }
    while (next_ <= t) {
      clock_.set_wall(next_);
      if (next_ >= from_) {
        engine_.tick();
        ++ticks_;
        for (const auto& p : engine_.config().parameters) {
          if (const auto v = engine_.guard().value(p.name)) trajectories_[p.name].add(*v);
        }
      }
      next_ += tick_;
    }
  }
  bool done() const { return done_; }
  std::uint64_t ticks() const { return ticks_; }
  std::map<std::string, Trajectory>& trajectories() { return trajectories_; }

 private:
  Engine& engine_;
  Ingest& ingest_;
  ManualClock& clock_;
  Nanos from_, to_, tick_;
  Nanos next_ = 0;
  bool started_ = false;
  bool done_ = false;
  std::uint64_t ticks_ = 0;
  std::map<std::string, Trajectory> trajectories_;
};

std::optional<Nanos> time_arg(const std::string& text, const char* flag) {
  const auto t = parse_rfc3339(text);
  if (!t)
    std::cerr << "setpoint replay: " << flag << " \"" << text
              << "\" is not an RFC 3339 time like 2026-11-24T12:00:00Z\n";
  return t;
}

}  // namespace

int run_replay(const ReplayArgs& args) {
  Nanos from = std::numeric_limits<Nanos>::min(), to = std::numeric_limits<Nanos>::max();
  if (!args.from.empty()) {
    const auto t = time_arg(args.from, "--from");
    if (!t) return 2;
    from = *t;
  }
  if (!args.to.empty()) {
    const auto t = time_arg(args.to, "--to");
    if (!t) return 2;
    to = *t;
  }
  if (from > to) {
    std::cerr << "setpoint replay: --from is after --to\n";
    return 2;
  }
  auto loaded = load_config(args.config);
  if (!loaded) {
    std::cerr << "setpoint replay: " << loaded.error() << "\n";
    return 2;
  }
  Config config = std::move(loaded).value();
  spdlog::set_level(args.json ? spdlog::level::off : spdlog::level::warn);

  // The timeline, and what the summary counts.
  std::map<std::string, std::map<std::string, std::uint64_t>> by_policy;
  std::map<std::string, std::uint64_t> by_verdict, blocks;
  ManualClock clock;
  SystemClock cpu;
  EngineOptions options;
  options.clock = &clock;
  options.cpu_clock = &cpu;
  options.dry_run = true;
  options.persistent = false;
  options.publish = false;
  options.stdlib_dir = args.stdlib;
  // The hourly history of what is replayed, so a policy that reads ctx:history on day 30
  // reads days 1 to 29: in --history's file, or a temporary one removed at the end.
  std::optional<TemporaryFile> temporary;
  if (args.history.empty()) {
    temporary.emplace("setpoint-replay-history");
    if (temporary->path.empty())
      std::cerr << "setpoint replay: no temporary file for the history in $TMPDIR ("
                << std::strerror(errno) << "): ctx:history reads nil\n";
    options.history_path = temporary->path;
  } else if (const auto fresh = fresh_history(args.history, config.engine.state_path); !fresh) {
    std::cerr << "setpoint replay: --history " << args.history << ": " << fresh.error() << "\n";
    return 2;
  } else {
    options.history_path = args.history;
  }
  options.on_decision = [&](const std::string& line) {
    const auto d = parse_own_json(line);
    if (d.is_object() && d.value("outcome", "") != "") {
      const std::string verdict = d.value("verdict", "?");
      ++by_policy[d.value("policy", "?")][verdict];
      ++by_verdict[verdict];
      if (verdict == "block") ++blocks[d.value("verdict_reason", "?")];
    }
    std::cout << (args.json ? line : decision_text(line)) << "\n";
  };
  Engine engine(config, options);
  if (const auto started = engine.start(); !started) {
    std::cerr << "setpoint replay: " << started.error() << "\n";
    return 1;
  }
  const Redactor redactor = config.redactor();
  EventParser parser(config.telemetry.schema, config.telemetry.outcomes, redactor);
  // Rejections are counted, not added to the live quarantine.
  Ingest ingest(engine.aggregator(), parser, nullptr, clock, TimeBase::kEvents);
  ReplaySink sink(engine, ingest, clock, from, to);
  const auto started = std::chrono::steady_clock::now();
  const std::string unread =
      read_recorded(args.telemetry, config.telemetry.schema.max_line_bytes, sink);
  if (!unread.empty()) {
    std::cerr << "setpoint replay: " << unread << "\n";
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  engine.stop();

  const IngestCounts& counts = ingest.counts();
  json rejected = json::object();
  for (std::size_t i = 0; i < kRejectionCount; ++i) {
    if (counts.rejected[i] > 0)
      rejected[std::string(name(static_cast<Rejection>(i)))] = counts.rejected[i];
  }
  json params = json::object();
  for (const auto& [name, t] : sink.trajectories())
    params[name] = {{"min", t.min}, {"max", t.max}, {"final", t.last}, {"changes", t.changes}};
  const double events = static_cast<double>(counts.accepted + counts.rejected_total());
  const json summary{{"events", {{"accepted", counts.accepted}, {"rejected", rejected}}},
                     {"decisions", by_verdict},
                     {"decisions_by_policy", by_policy},
                     {"blocks", blocks},
                     {"parameters", params},
                     {"ticks", sink.ticks()},
                     {"seconds", seconds},
                     {"events_per_s", seconds > 0 ? events / seconds : 0}};
  if (args.json) {
    std::cout << dump(summary) << "\n";
    return 0;
  }
  std::cout << "\nreplayed " << counts.accepted << " events (" << counts.rejected_total()
            << " rejected) in " << static_cast<int>(seconds * 1000) << " ms, " << sink.ticks()
            << " ticks\n";
  std::cout << "decisions by policy and verdict:\n";
  if (by_policy.empty()) std::cout << "  (none)\n";
  for (const auto& [policy, verdicts] : by_policy) {
    std::cout << "  " << policy << ":";
    for (const auto& [verdict, n] : verdicts) std::cout << " " << verdict << " " << n;
    std::cout << "\n";
  }
  std::cout << "guard blocks by reason:\n";
  if (blocks.empty()) std::cout << "  (none)\n";
  for (const auto& [reason, n] : blocks) std::cout << "  " << reason << " " << n << "\n";
  std::cout << "parameters (min / max / final, changes):\n";
  for (const auto& [name, t] : sink.trajectories()) {
    std::cout << "  " << name << ": " << t.min << " / " << t.max << " / " << t.last << ", "
              << t.changes << " change(s)\n";
  }
  return 0;
}

}  // namespace setpoint::runner

#include "commands/replay_command.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands/decision_diff.hpp"
#include "commands/decision_text.hpp"
#include "commands/recorded_telemetry.hpp"
#include "commands/replay_lanes.hpp"
#include "engine/engine.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/history/history_store.hpp"
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

std::optional<Nanos> time_arg(const std::string& text, const char* flag) {
  const auto t = parse_rfc3339(text);
  if (!t)
    std::cerr << "setpoint replay: " << flag << " \"" << text
              << "\" is not an RFC 3339 time like 2026-11-24T12:00:00Z\n";
  return t;
}

}  // namespace

namespace {

std::optional<std::string> folder_arg(const std::string& path, const char* flag) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    std::cerr << "setpoint replay: " << flag << " " << path << ": not a folder\n";
    return std::nullopt;
  }
  return std::filesystem::absolute(path, ec).lexically_normal().string();
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
  const bool diffing = !args.against.empty();
  if (diffing && !args.history.empty()) {
    std::cerr << "setpoint replay: --history keeps one replay's history; with --against each "
                 "version keeps a temporary one\n";
    return 2;
  }
  auto loaded = load_config(args.config);
  if (!loaded) {
    std::cerr << "setpoint replay: " << loaded.error() << "\n";
    return 2;
  }
  const Config config = std::move(loaded).value();
  if (!args.history.empty()) {
    if (const auto fresh = fresh_history(args.history, config.engine.state_path); !fresh) {
      std::cerr << "setpoint replay: --history " << args.history << ": " << fresh.error() << "\n";
      return 2;
    }
  }
  spdlog::set_level(args.json ? spdlog::level::off : spdlog::level::warn);

  std::vector<Lane> lanes(diffing ? 2 : 1);
  if (!args.policies.empty()) {
    const auto dir = folder_arg(args.policies, "--policies");
    if (!dir) return 2;
    lanes[0].policies = *dir;
  }
  if (diffing) {
    const auto dir = folder_arg(args.against, "--against");
    if (!dir) return 2;
    lanes[1].policies = *dir;
  }

  // The timeline, and what the summary counts.
  std::map<std::string, std::map<std::string, std::uint64_t>> by_policy;
  std::map<std::string, std::uint64_t> by_verdict, blocks;
  std::map<std::string, Trajectory> trajectories;
  bool headed = false;  // the text's heading, once there is something to show under it
  const auto heading = [&] {
    if (args.json || headed) return;
    headed = true;
    std::cout << "comparing " << lanes[0].policies << " (old) with " << lanes[1].policies
              << " (new); where they decide differently:\n\n";
  };
  DecisionDiff diff([&](const Divergence& d) {
    heading();
    std::cout << (args.json ? divergence_json(d) + "\n" : divergence_text(d));
  });
  const auto timeline = [&](const std::string& line) {
    const auto d = parse_own_json(line);
    if (d.is_object() && d.value("outcome", "") != "") {
      const std::string verdict = d.value("verdict", "?");
      ++by_policy[d.value("policy", "?")][verdict];
      ++by_verdict[verdict];
      if (verdict == "block") ++blocks[d.value("verdict_reason", "?")];
    }
    std::cout << (args.json ? line : decision_text(line)) << "\n";
  };
  ManualClock clock;
  SystemClock cpu;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const auto side = static_cast<DiffSide>(i);
    DecisionLog log =
        diffing ? DecisionLog([&diff, side](const std::string& line) { diff.record(side, line); })
                : DecisionLog(timeline);
    if (const auto opened =
            open_lane(lanes[i], config, args.stdlib, args.history, clock, cpu, std::move(log));
        !opened) {
      std::cerr << "setpoint replay: " << (diffing ? lanes[i].policies + ": " : "")
                << opened.error() << "\n";
      return diffing ? 2 : 1;
    }
  }
  if (diffing) {
    if (const std::string why = incomparable(lanes); !why.empty()) {
      std::cerr << "setpoint replay: cannot compare: " << why << "\n";
      return 2;
    }
  }
  // Each side's failed evaluations so far, by policy file: a pass's new ones are compared.
  std::vector<std::map<std::string, std::uint64_t>> failures(lanes.size());
  const auto on_pass = [&](Nanos at) {
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      if (diffing) {
        for (const auto& [file, running] : lanes[i].engine->policies()) {
          auto& seen = failures[i][file];
          if (running.failures == seen) continue;
          seen = running.failures;
          const auto live = lanes[i].engine->folder().live().find(file);
          diff.error(static_cast<DiffSide>(i),
                     live == lanes[i].engine->folder().live().end() ? file : live->second.info.name,
                     running.last_error, at);
        }
      }
      for (const auto& p : config.parameters) {
        const auto v = lanes[i].engine->guard().value(p.name);
        if (!v) continue;
        if (diffing)
          diff.value(static_cast<DiffSide>(i), p.name, *v);
        else
          trajectories[p.name].add(*v);
      }
    }
    if (diffing) diff.close_pass(at);
  };
  ReplaySink sink(lanes, clock, from, to, on_pass);
  const auto started = std::chrono::steady_clock::now();
  const std::string unread =
      read_recorded(args.telemetry, config.telemetry.schema.max_line_bytes, sink);
  if (!unread.empty()) {
    std::cerr << "setpoint replay: " << unread << "\n";
    return diffing ? 2 : 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (auto& lane : lanes) lane.engine->stop();
  // Decisions finished while stopping belong to the last pass.
  if (diffing) diff.close_pass(clock.wall());

  const IngestCounts& counts = lanes.front().ingest->counts();
  if (diffing && (sink.ticks() == 0 || counts.accepted == 0)) {
    // Nothing compared is not "the same": a CI gate must not pass on an empty file.
    std::cerr << "setpoint replay: nothing to compare: " << counts.accepted << " events accepted ("
              << counts.rejected_total() << " rejected), " << sink.ticks()
              << " passes from --from to --to\n";
    return 2;
  }
  if (diffing) {
    heading();
    std::cout << (args.json ? diff_summary_json(diff, lanes[0].policies, lanes[1].policies) + "\n"
                            : "\nreplayed " + std::to_string(counts.accepted) + " events (" +
                                  std::to_string(counts.rejected_total()) + " rejected), " +
                                  std::to_string(sink.ticks()) + " passes\n" +
                                  diff_summary_text(diff, lanes[0].policies, lanes[1].policies));
    return diff.divergences() == 0 ? 0 : 1;
  }
  json rejected = json::object();
  for (std::size_t i = 0; i < kRejectionCount; ++i) {
    if (counts.rejected[i] > 0)
      rejected[std::string(name(static_cast<Rejection>(i)))] = counts.rejected[i];
  }
  json params = json::object();
  for (const auto& [name, t] : trajectories)
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
  for (const auto& [name, t] : trajectories) {
    std::cout << "  " << name << ": " << t.min << " / " << t.max << " / " << t.last << ", "
              << t.changes << " change(s)\n";
  }
  return 0;
}

}  // namespace setpoint::runner

#include "commands/run_command.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <iostream>

#include "commands/decision_text.hpp"
#include "config/config_check.hpp"
#include "config/tokens.hpp"
#include "control_plane/control_plane.hpp"
#include "engine/engine.hpp"
#include "engine/telemetry_intake.hpp"
#include "setpoint/audit/decision.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/json_text.hpp"
#include "setpoint/base/number_text.hpp"

namespace setpoint::runner {
namespace {

// How often the loop wakes: policies are looked at every engine.tick, but reloads, operator
// commands and actuator results are picked up this often.
constexpr Nanos kPass = 20 * kNanosPerMilli;

// What a SIGHUP cannot change in a running process (the listener and the sources were started
// with the old values): the keys that differ, to say they wait for a restart.
std::vector<std::string> needs_restart(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  const ControlPlaneConfig& a = running.control_plane;
  const ControlPlaneConfig& b = next.control_plane;
  if (a.host != b.host || a.port != b.port) keys.push_back("control_plane.listen");
  if (a.tokens_file != b.tokens_file) keys.push_back("control_plane.tokens_file");
  if (a.dashboard != b.dashboard) keys.push_back("control_plane.dashboard");
  if (a.enabled != b.enabled || a.max_body_bytes != b.max_body_bytes ||
      a.max_connections != b.max_connections || a.header_timeout != b.header_timeout ||
      a.request_timeout != b.request_timeout) {
    keys.push_back("control_plane (limits)");
  }
  const TelemetryConfig& t = running.telemetry;
  const TelemetryConfig& u = next.telemetry;
  if (t.files != u.files) keys.push_back("telemetry.sources");
  if (t.quarantine_path != u.quarantine_path || t.quarantine_max_bytes != u.quarantine_max_bytes)
    keys.push_back("telemetry.quarantine");
  if (!(t.schema == u.schema)) keys.push_back("telemetry.mapping/validation");
  return keys;
}

// What `setpoint check` would report, before a start and before a reload takes a config: the
// first fatal problem (which refuses it), after saying each of the others.
std::string check_as_check_would(const Config& config, const std::string& stdlib_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(config.policies.dir, ec))
    return "";  // the engine's start says why
  auto stdlib = bindings::load_stdlib(stdlib_dir.empty() ? SETPOINT_STDLIB_DIR : stdlib_dir);
  if (!stdlib) return "";
  std::vector<Problem> problems;
  const auto policies = check_policies(config.policies.dir, *stdlib, problems);
  check_config(config, config.policies.dir, policies, problems);
  for (const auto& p : problems) {
    if (p.fatal) return p.text;
  }
  for (const auto& p : problems) {
    if (p.note)
      spdlog::info("setpoint check notes: {}", p.text);
    else
      spdlog::warn("setpoint check would report: {}", p.text);
  }
  return "";
}

// What the run did, for the person who started it.
void print_summary(Engine& engine, std::ostream& out) {
  const EngineMetrics& m = engine.metrics();
  const IngestCounts ingest = engine.ingest_totals().get();
  out << "\n== Summary ==\n";
  out << "events: " << ingest.accepted << " accepted, " << ingest.rejected_total() << " rejected\n";
  out << "policies:\n";
  for (const auto& [name, c] : m.policies) {
    out << "  " << name << ": " << c.evaluations << " evaluations, " << c.errors << " errors, "
        << c.skipped << " skipped" << (c.quarantined ? ", quarantined" : "") << "\n";
  }
  out << "decisions (policy, verdict, mode):\n";
  if (m.decisions.empty()) out << "  (none)\n";
  for (const auto& [key, n] : m.decisions) {
    out << "  " << std::get<0>(key) << "  " << std::get<1>(key) << "  " << std::get<2>(key) << ": "
        << n << "\n";
  }
  // An allowed change is not a made one: what the actuators did with them.
  if (!m.results.empty()) {
    out << "actuations:";
    for (const auto& [result, n] : m.results) out << " " << n << " " << result;
    out << "\n";
  }
  out << "parameters now:\n";
  for (const auto& p : engine.config().parameters) {
    const auto v = engine.guard().value(p.name);
    if (!v) continue;
    // As people write it: true/false for a bool, the choice for an enum.
    std::string shown;
    json_text::append_number(shown, *v);  // shortest exact form: 0.1, not 0.10000000000000001
    if (p.type == ParamType::kBool)
      shown = *v != 0 ? "true" : "false";
    else if (p.type == ParamType::kEnum && *v >= 0 && *v < static_cast<double>(p.choices.size()))
      shown = p.choices[static_cast<std::size_t>(*v)];
    out << "  " << p.name << " = " << shown << "\n";
  }
}

}  // namespace

int run_daemon(const RunArgs& args) {
  // Signals are taken by the loop (sigtimedwait), never by a handler: block them before
  // anything runs, so every thread inherits the mask (`check`'s look at the policies below
  // starts the sandbox's watchdog thread; a SIGTERM it took once ended the process mid-pass).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A reader of the decision log (a FIFO, `run | jq`) or an HTTP client that goes away is a
  // failed write, counted and said, never the end of the daemon (SIGPIPE ended it with 141).
  std::signal(SIGPIPE, SIG_IGN);
  Nanos run_for = 0;
  if (!args.run_for.empty()) {
    const auto d = parse_duration(args.run_for);
    if (!d || *d <= 0) {
      std::cerr << "setpoint run: --for \"" << args.run_for
                << "\" is not a positive duration like 30s or 10m\n";
      return 2;
    }
    run_for = *d;
  }
  auto loaded = load_config(args.config);
  if (!loaded) {
    std::cerr << "setpoint run: " << loaded.error() << "\n";
    return 2;
  }
  Config config = std::move(loaded).value();
  if (!args.listen.empty()) {
    const auto colon = args.listen.rfind(':');
    const auto port = colon == std::string::npos
                          ? std::nullopt
                          : parse_integer(std::string_view(args.listen).substr(colon + 1));
    if (colon == 0 || !port || *port < 0 || *port > 65535) {
      std::cerr << "setpoint run: --listen \"" << args.listen
                << "\" is not host:port, like 127.0.0.1:9464\n";
      return 2;
    }
    config.control_plane.host = args.listen.substr(0, colon);
    config.control_plane.port = static_cast<int>(*port);
  }
  Tokens tokens = Tokens::none();
  if (!config.control_plane.tokens_file.empty()) {
    auto t = Tokens::load(config.control_plane.tokens_file);
    if (!t) {
      std::cerr << "setpoint run: " << t.error() << "\n";
      return 2;
    }
    tokens = std::move(t).value();
  }

  if (const std::string fatal = check_as_check_would(config, args.stdlib); !fatal.empty()) {
    std::cerr << "setpoint run: " << fatal << "\n";
    return 2;
  }

  SystemClock clock;
  EngineOptions options;
  options.clock = &clock;
  options.cpu_clock = &clock;
  options.dry_run = args.dry_run;
  options.stdlib_dir = args.stdlib;
  // A change that did not happen as decided is a warning: failed, unknown (timed out), drift.
  options.on_decision = [](const std::string& line) {
    using enum DecisionOutcome;
    const auto outcome = parse_outcome(parse_own_json(line).value("outcome", std::string()));
    const bool warn = outcome == kFailed || outcome == kUnknown || outcome == kDrift;
    spdlog::log(warn ? spdlog::level::warn : spdlog::level::info, "decision: {}",
                decision_text(line));
  };
  Engine engine(config, options);
  if (const auto started = engine.start(); !started) {
    std::cerr << "setpoint run: " << started.error() << "\n";
    return 1;
  }
  auto opened =
      TelemetryIntake::open(config.telemetry, engine.aggregator(), engine.ingest_totals(), clock);
  if (!opened) {
    std::cerr << "setpoint run: " << opened.error() << "\n";
    return 1;
  }
  TelemetryIntake& intake = **opened;
  std::unique_ptr<ControlPlane> control;
  if (config.control_plane.enabled) {
    control =
        std::make_unique<ControlPlane>(engine, intake, std::move(tokens), config.control_plane);
    if (const auto started = control->start(); !started) {
      std::cerr << "setpoint run: " << started.error() << "\n";
      return 1;
    }
    spdlog::info("control plane on http://{}:{}", config.control_plane.host, control->port());
  }
  intake.start();
  spdlog::info("setpoint running{}: {} polic{}, {} file source(s){}",
               args.dry_run || config.engine.dry_run ? " in dry-run" : "", engine.policies().size(),
               engine.policies().size() == 1 ? "y" : "ies", config.telemetry.files.size(),
               run_for > 0 ? ", for " + format_duration(run_for) : "");

  const Config started_with = config;  // what the listener and sources run with
  const Nanos started = clock.monotonic();
  bool ready = false;
  for (bool running = true; running;) {
    engine.tick();
    if (!ready && control) control->set_ready(ready = true);
    if (run_for > 0 && clock.monotonic() - started >= run_for) break;
    const timespec wait{0, kPass};
    const int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGTERM || signal == SIGINT) {
      spdlog::info("{}: finishing the pass, flushing the audit, closing actuators",
                   signal == SIGTERM ? "SIGTERM" : "SIGINT");
      running = false;
    } else if (signal == SIGHUP) {
      auto next = load_config(args.config);
      std::string fatal;
      if (!next) {
        spdlog::error("SIGHUP: the new config is refused, the old one stays: {}", next.error());
      } else if (fatal = check_as_check_would(*next, args.stdlib); !fatal.empty()) {
        // What would stop the next start stops the reload too (a tokens file naming a variable
        // the process does not have was taken, and the next restart failed).
        spdlog::error("SIGHUP: the new config is refused, the old one stays: {}", fatal);
      } else {
        // The listener and the sources were started with what the run began with.
        std::vector<std::string> later = needs_restart(started_with, *next);
        if (const auto reloaded = engine.reload_config(std::move(next).value()); !reloaded) {
          spdlog::error("SIGHUP: the new config is refused, the old one stays: {}",
                        reloaded.error());
        } else if (later.empty()) {
          spdlog::info("SIGHUP: config reloaded from {}", args.config);
        } else {
          std::string keys;
          for (const auto& k : later) keys += (keys.empty() ? "" : ", ") + k;
          spdlog::warn(
              "SIGHUP: config reloaded from {}, but {} changed: that takes effect only after a "
              "restart",
              args.config, keys);
        }
      }
    }
  }
  if (control) control->set_ready(false);
  intake.stop();
  engine
      .tick();  // what arrived last is evaluated on the normal schedule only; this flushes results
  engine.stop();
  if (control) control->stop();
  print_summary(engine, std::cout);
  spdlog::info("setpoint stopped");
  return 0;
}

}  // namespace setpoint::runner

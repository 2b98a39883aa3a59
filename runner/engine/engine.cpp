// The engine thread's life, over 400 lines because start, each pass, posted work, saving and
// stopping share its state, of which the thread is the single writer. Its other parts have
// files of their own: engine_policies (adopting and evaluating policies), engine_reload (a
// config reload), engine_triage, engine_status, and views, metrics, store_health,
// autopilot_run, actuator_factory, telemetry_intake and operator_actions.
#include "engine/engine.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <thread>

#include "engine/actuator_factory.hpp"
#include "engine/views.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/testing/test_file.hpp"
#include "setpoint/windows/window_stat.hpp"

namespace setpoint::runner {
namespace {

constexpr Nanos kTriageCpu = 5 * kNanosPerSecond;  // a triage policy's CPU unless config says

namespace fs = std::filesystem;

}  // namespace

Engine::Engine(Config config, EngineOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      aggregator_(config_.aggregator_options()) {
  guard_ = std::make_unique<Guard>(config_.parameters, config_.actions, config_.engine.caps);
}

// The reload thread goes first: a test at its gate is stopped, and what it reads (the limit
// overrides, declared after the folder) is still there until it has ended.
Engine::~Engine() {
  stopping_ = true;
  folder_.reset();
}

Result<void> Engine::start() {
  auto stdlib = bindings::load_stdlib(options_.stdlib_dir.empty() ? SETPOINT_STDLIB_DIR
                                                                  : options_.stdlib_dir);
  if (!stdlib) return Error{stdlib.error()};
  stdlib_ = std::move(stdlib).value();
  // Before anything is made on disk: a refused start leaves no state file behind.
  if (std::error_code ec; !fs::is_directory(config_.policies.dir, ec))
    return Error{"policies.dir: " + config_.policies.dir + " is not a folder"};

  if (options_.persistent) {
    const fs::path state = config_.engine.state_path;
    std::error_code ec;
    if (state.has_parent_path()) fs::create_directories(state.parent_path(), ec);
    auto opened = AuditStore::open(config_.engine.state_path);
    if (!opened) return Error{"engine.state_path: " + opened.error()};
    store_ = std::move(opened).value();
    const auto saved = store_->load_state("guard");
    if (!saved)
      return Error{"engine.state_path: " + config_.engine.state_path +
                   ": cannot read the saved guard state: " + saved.error()};
    if (*saved) {
      if (const auto loaded = guard_->load_state(**saved); !loaded)
        return Error{"the saved guard state in " + config_.engine.state_path +
                     " is unreadable: " + loaded.error()};
      saved_guard_ = **saved;
    }
  }
  alerts_ = std::make_unique<AlertRecorder>(store_.get());
  const std::string history_path = !options_.history_path.empty() ? options_.history_path
                                   : options_.persistent          ? config_.engine.state_path
                                                                  : std::string();
  if (config_.engine.history.enabled && !history_path.empty()) {
    if (auto opened = open_history(history_path); !opened) return opened;
  }
  if (options_.persistent && !config_.engine.decision_log.empty()) {  // a replay writes no live log
    auto opened = DecisionLogFile::open(config_.engine.decision_log);
    if (!opened) return Error{"engine.decision_log: " + opened.error()};
    decision_log_ = std::move(opened).value();
  }
  build_effects();
  if (store_) {
    const auto settled = pipeline_->reconcile(clock().wall());
    if (!settled) return Error{"engine.state_path: " + settled.error()};
    if (*settled > 0)
      spdlog::warn(
          "settled {} actuation(s) a crash left without a result, by reading their targets back",
          *settled);
    if (const auto restored = pipeline_->restore(); !restored)
      return Error{"engine.state_path: " + restored.error()};
  }
  autopilot_ = std::make_unique<Autopilot>(
      config_, *guard_, *pipeline_, store_.get(),
      [this](const std::string& series, const std::string& stat, Nanos from, Nanos to) {
        return history_stat(series, stat, from, to);
      });
  autopilot_->set_alert_sink([this](const std::string& kind, const std::string& message) {
    record_alert("autopilot", kind, message, clock().wall());
  });
  if (const auto started = autopilot_->start(clock().wall()); !started)
    return Error{"autopilot: " + started.error()};
  if (auto started = start_rollouts(); !started) return started;
  start_status(clock().wall());

  bindings::Limits limits;
  limits.memory = config_.policies.memory;
  limits.cpu = config_.policies.cpu;
  bindings::TestGate gate;
  if (config_.policies.test_gate) {
    // A test file gets 5 s of CPU at the gate (it holds up that file's reload, and a start),
    // and stops when the engine does (a spinning test held SIGTERM for its full 30 s).
    gate = [stdlib = &stdlib_, stopping = &stopping_](const std::string& tests) {
      return bindings::testing::gate(tests, stdlib, 5 * kNanosPerSecond, stopping);
    };
  }
  // A policy's own limits come from its override; read when a version is prepared, so a
  // SIGHUP that changes them applies from the next reload of that file. A triage policy reads a
  // week of the record in one evaluation: it gets a weekly job's CPU unless config says.
  auto limits_for =
      [this, limits](const bindings::PolicyInfo& policy) -> std::optional<bindings::Limits> {
    bindings::Limits own = limits;
    if (policy.triage) own.cpu = std::max(own.cpu, kTriageCpu);
    std::lock_guard lock(overrides_mutex_);
    if (const auto it = limit_overrides_.find(policy.name); it != limit_overrides_.end()) {
      if (it->second.first) own.memory = *it->second.first;
      if (it->second.second) own.cpu = *it->second.second;
    } else if (!policy.triage) {
      return std::nullopt;
    }
    return own;
  };
  share_limit_overrides();
  folder_ = std::make_unique<bindings::PolicyFolder>(config_.policies.dir, &stdlib_, limits,
                                                     *options_.cpu_clock, gate, 50 * kNanosPerMilli,
                                                     limits_for);
  if (const auto& watching = folder_->watching(); !watching)
    spdlog::warn("policies: {} (hot reload is off)", watching.error());
  const Nanos wall = clock().wall();
  folder_->set_shadow_rule(
      [this](const bindings::LivePolicy& live, const bindings::LivePolicy& next) {
        return shadow_period(live, next) > 0;
      });
  folder_->scan(options_.cpu_clock->monotonic());
  adopt(all_files(), wall);
  restore_shadows(wall);
  publish(wall);
  last_pass_.store(options_.cpu_clock->monotonic(), std::memory_order_relaxed);
  return {};
}

std::vector<std::string> Engine::all_files() const {
  std::vector<std::string> all;
  for (const auto& [file, _] : folder_->status()) all.push_back(file);
  return all;
}

bindings::HealthOptions Engine::health_options() const {
  return {config_.policies.failures_to_quarantine, config_.policies.quarantine_backoff};
}

// A line the decision log could not take is counted in /metrics and said once at warn level
// (again only after a write has worked), not once a decision.
void Engine::write_decision_log(const std::string& line) {
  const auto written = decision_log_->write(line);
  if (written) {
    decision_log_failing_ = false;
    return;
  }
  ++metrics_.decision_log_failures;
  if (!decision_log_failing_) {
    spdlog::warn("{}{} (lines lost are counted in setpoint_decision_log_write_failures_total)",
                 written.error(),
                 store_ ? "; decisions are still recorded in the state store" : "");
  }
  decision_log_failing_ = true;
}

void Engine::build_effects() {
  PipelineOptions options;
  options.ceiling = dry_run() ? Mode::kObserve : config_.engine.mode;
  options.proposal_ttl = config_.engine.proposal_ttl;
  options.patch_ttl = config_.engine.patch_ttl;
  options.drift_pin = config_.engine.drift_pin;
  DecisionLog log;
  if (decision_log_ || options_.on_decision) {
    log = [this](const std::string& line) {
      if (decision_log_) write_decision_log(line);
      if (options_.on_decision) options_.on_decision(line);
    };
  }
  if (pipeline_) watch_store();  // what the old pipeline counted, before it goes
  pipeline_ = std::make_unique<EffectPipeline>(*guard_, options, store_.get(), log);
  store_failures_seen_ = 0;
  pipeline_->set_observer([this](const Decision& d, bool first) {
    // Results of actuations (not approvals and expiries of proposals), whether known at once
    // (no actuator could take it: failed when first recorded) or when the actuator answers.
    using enum DecisionOutcome;
    for (const DecisionOutcome r : {kApplied, kFailed, kUnknown, kDrift, kRolledBack}) {
      if (d.outcome == r) ++metrics_.results[outcome_text(d)];
    }
    if (autopilot_) autopilot_->observe(d);
    if (status_) status_->observe(d);
    if (options_.publish) feed_.publish(decision_json(d));
    if (!first) {
      if (const auto waiting = finish_waiters_.extract(d.id)) {
        for (const auto& done : waiting.mapped()) done(decision_json(d));
      }
      return;
    }
    ++metrics_.decisions[{d.policy, std::string(name(d.verdict.kind)), mode_name(d.mode)}];
    if (d.proposal.kind == Proposal::Kind::kAct)
      ++metrics_.actions[{d.proposal.target, std::string(name(d.verdict.reason))}];
  });
  pipeline_->set_bounds_patcher([this](const Decision& d, Nanos now) -> Result<std::string> {
    if (!autopilot_) return Error{"the engine is not started"};
    return autopilot_->patch_bounds(d, now);
  });
  pipeline_->set_kpi_reader([this](const Verification& v, Nanos now) -> std::optional<double> {
    const auto id = aggregator_.find(v.series);
    if (!id) return std::nullopt;
    const auto stats = aggregator_.read(*id, now, v.window, scratch_);
    if (!stats || stats->count == 0) return std::nullopt;
    const WindowStat* stat = find_window_stat(v.stat);  // config checked the name
    if (stat == nullptr) return std::nullopt;
    return (*stats).*stat->field;
  });
  if (options_.persistent && !pool_)
    pool_ = std::make_unique<ActuatorPool>(config_.engine.actuator_threads, *options_.cpu_clock);
  Nanos timeout = 0;
  for (const auto& [_, actuator] : config_.actuators) timeout = std::max(timeout, actuator.timeout);
  if (pool_) pipeline_->use_pool(*pool_, std::max(timeout, kNanosPerSecond));
  for (const auto& [target, actuator] : config_.actuators) {
    auto made = make_actuator(actuator);
    if (!made) spdlog::error("{}: {}", target, made.error());
    if (made && *made) {
      pipeline_->bind(target, **made);
      actuators_[target] = std::move(made).value();
    } else if (actuator.type == "inproc") {
      pipeline_->bind(target, inproc_);
    }
  }
  // A parameter or action without an actuator section is only logged (docs/configuration.md).
  const auto log_unbound = [this](const std::string& target) {
    if (config_.actuators.count(target) == 0) pipeline_->bind(target, log_);
  };
  for (const auto& p : config_.parameters) log_unbound(p.name);
  for (const auto& a : config_.actions) log_unbound(a.name);
  for (const auto& [target, mode] : config_.target_modes) pipeline_->set_target_mode(target, mode);
  for (const auto& [policy, o] : config_.policies.overrides) {
    if (o.mode) pipeline_->set_policy_mode(policy, *o.mode);
  }
}

void Engine::share_limit_overrides() {
  std::lock_guard lock(overrides_mutex_);
  limit_overrides_.clear();
  for (const auto& [policy, o] : config_.policies.overrides) {
    if (o.memory || o.cpu) limit_overrides_[policy] = {o.memory, o.cpu};
  }
}

// Policies that appeared, changed or went away: their schedule, declarations and state.
void Engine::tick() {
  const Nanos wall = clock().wall();
  const auto reloaded = folder_->poll(options_.cpu_clock->monotonic());
  for (const auto& file : reloaded) {
    // Reloads of files still there (a retired file is not a reload result).
    const auto& status = folder_->status().at(file);
    if (!status.ok)
      ++metrics_.reloads_refused;
    else if (folder_->live().count(file) > 0)
      ++metrics_.reloads_ok;
  }
  adopt(reloaded, wall);
  sync_shadows(reloaded, wall);
  run_posted();
  if (wall >= next_scan_) {
    next_scan_ = wall + config_.engine.tick;
    run_due(wall);
  }
  if (store_ && !pipeline_->restored()) {  // a reload could not read them: try again
    if (const auto restored = pipeline_->restore())
      spdlog::info("the pending proposals, verifications and undos are read back");
  }
  pipeline_->tick(wall);
  autopilot_->tick(wall);
  rollouts_->tick(wall);
  record_status_changes(wall);
  review_shadows(wall);
  save(wall);
  watch_store();
  if (history_) watch_history(wall);
  ++metrics_.ticks;
  publish(wall);
  last_pass_.store(options_.cpu_clock->monotonic(), std::memory_order_relaxed);
}

// A dry-run's guard follows the would-be values (so its decisions look like a real run's), and
// its policies remember them: none of that is kept, or the first real run would start from
// values that never reached the targets (a dry-run ending at 60 made enforce step 60 -> 65
// while the file still held 100). The decisions themselves are recorded, as shadows.
void Engine::save(Nanos wall) {
  if (!store_ || dry_run()) return;
  std::string guard = guard_->save_state();
  if (guard == saved_guard_) return;
  // A refused save is tried again a second later, not at every pass (50 a second).
  if (wall < next_guard_save_) return;
  const auto saved = store_->save_state("guard", guard, wall);
  state_save_failing_ = !saved;
  if (saved) {
    saved_guard_ = std::move(guard);
  } else {
    ++metrics_.store_write_failures;
    next_guard_save_ = wall + kNanosPerSecond;
    store_refused("the guard state: " + saved.error());
  }
}

std::future<Reply> Engine::post(std::function<Reply(Engine&)> work) {
  Posted posted{std::move(work), {}};
  auto future = posted.reply.get_future();
  std::lock_guard lock(posted_mutex_);
  posted_.push_back(std::move(posted));
  return future;
}

void Engine::when_finished(std::int64_t decision, std::function<void(const std::string&)> done) {
  if (pipeline_->in_flight(decision)) {
    finish_waiters_[decision].push_back(std::move(done));
    return;
  }
  if (!store_) return done({});
  const auto stored = store_->decision(decision);
  done(stored && *stored ? (*stored)->json : std::string());
}

void Engine::run_posted() {
  std::deque<Posted> work;
  {
    std::lock_guard lock(posted_mutex_);
    work.swap(posted_);
  }
  if (work.empty()) return;
  std::vector<Reply> replies;
  for (auto& posted : work) {
    try {
      replies.push_back(posted.work(*this));
    } catch (const std::exception& e) {  // a command must never take the engine down
      replies.push_back({500, std::string(R"({"error":"internal error"})")});
      spdlog::error("a posted command failed: {}", e.what());
    }
  }
  // The views show what was done before anyone is told it is done: read-after-write holds.
  publish(clock().wall());
  for (std::size_t i = 0; i < work.size(); ++i) work[i].reply.set_value(std::move(replies[i]));
}

void Engine::stop() {
  stopping_ = true;  // a test at the reload gate ends now
  // Let what is being actuated finish (each actuation has its own timeout), and record it.
  const Nanos give_up = options_.cpu_clock->monotonic() + 30 * kNanosPerSecond;
  const auto actuating = [this] {
    return (pipeline_ && pipeline_->in_flight() > 0) || (rollouts_ && rollouts_->actuating() > 0);
  };
  while (actuating() && options_.cpu_clock->monotonic() < give_up) {
    if (pipeline_) pipeline_->tick(clock().wall());
    if (rollouts_) rollouts_->collect(clock().wall());
    if (actuating()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run_posted();  // nobody waits forever on a reply
  const Nanos wall = clock().wall();
  if (rollouts_) rollouts_->checkpoint(wall);
  for (const auto& [_, run] : shadows_) save_shadow(run, wall);  // its counts, for the restart
  save(wall);
  if (autopilot_) autopilot_->flush(wall);
  publish(wall);
  pool_.reset();
  history_.reset();  // finishes the hour it is writing
}

Result<void> Engine::start_rollouts() {
  rollouts_ =
      std::make_unique<Rollouts>(config_, aggregator_, *guard_, *pipeline_, store_.get(), metrics_,
                                 inproc_, options_.persistent ? options_.cpu_clock : nullptr);
  // A cycle's change that was rolled out is the autopilot's still: its impact is checked once
  // promoted, and a rollback counts against it.
  rollouts_->on_cycle_change_ended(
      [this](const canary::Rollout& r, const std::optional<Decision>& promotion, Nanos now) {
        autopilot_->rollout_ended(r.cycle, r.decision, r.started_at, promotion, now);
      });
  if (const auto started = rollouts_->start(clock().wall()); !started)
    return Error{"rollouts: " + started.error()};
  return {};
}

void Engine::publish(Nanos wall) {
  if (!options_.publish) return;
  metrics_.series = aggregator_.series_count();
  metrics_.cardinality_rejections = aggregator_.cardinality_rejections();
  if (autopilot_) {
    const auto& counts = autopilot_->counts();
    metrics_.autopilot_cycles = counts.cycles;
    metrics_.autopilot_drift_events = counts.drift_events;
    metrics_.autopilot_alerts = counts.alerts;
    metrics_.autopilot_impacts = counts.impacts;
    metrics_.autopilot_rollbacks = counts.rollbacks;
    metrics_.autopilot_paused = autopilot_->paused(wall);
    const auto figures = autopilot_->figures(wall);
    metrics_.autopilot_prediction_error = figures.mean_error;
    metrics_.autopilot_rollback_rate = figures.rollback_rate;
  }
  for (auto& [_, counts] : metrics_.policies) counts.shadowing = false;
  for (const auto& [_, run] : shadows_) metrics_.policies[run.policy].shadowing = true;
  metrics_.parameters.clear();
  for (const auto& p : config_.parameters) {
    if (const auto v = guard_->value(p.name)) metrics_.parameters[p.name] = *v;
  }
  auto views = render_views(*this, wall);
  std::lock_guard lock(views_mutex_);
  views_ = std::move(views);
  published_metrics_ = metrics_;
}

std::string Engine::metrics_text() const {
  EngineMetrics metrics;
  {
    std::lock_guard lock(views_mutex_);
    metrics = published_metrics_;
  }
  return metrics.render(ingest_totals_.get());
}

std::string Engine::view(const std::string& name) const {
  std::lock_guard lock(views_mutex_);
  const auto it = views_.find(name);
  return it == views_.end() ? std::string() : it->second;
}

}  // namespace setpoint::runner

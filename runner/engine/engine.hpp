#pragma once
// The engine: the one thread that owns engine state and runs the loop
//
//   sources → aggregator → policies (due ones, each in its sandbox) → guard → mode
//          → actuator pool → audit
//
// tick() does one pass at the clock's time: swaps in reloaded policies, runs what other
// threads asked for (control-plane commands), evaluates each due policy, hands its proposals
// to the effect pipeline, saves what must survive a restart, and publishes the views the
// control plane reads. Other threads never touch engine state: they post() work to the engine
// thread, or read the published views.
#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/schedule.hpp"
#include "engine/alert_recorder.hpp"
#include "engine/autopilot.hpp"
#include "engine/decision_feed.hpp"
#include "engine/metrics.hpp"
#include "engine/rollouts.hpp"
#include "engine/shadow_versions.hpp"
#include "engine/status_feed.hpp"
#include "engine/triage_reports.hpp"
#include "setpoint/actuators/actuator_pool.hpp"
#include "setpoint/actuators/inproc_actuator.hpp"
#include "setpoint/audit/audit_store.hpp"
#include "setpoint/audit/decision_log_file.hpp"
#include "setpoint/base/result.hpp"
#include "setpoint/bindings/policy_folder.hpp"
#include "setpoint/bindings/policy_health.hpp"
#include "setpoint/effects/effect_pipeline.hpp"
#include "setpoint/guard/guard.hpp"
#include "setpoint/history/hourly_flush.hpp"
#include "setpoint/windows/aggregator.hpp"

namespace setpoint::runner {

struct EngineOptions {
  const Clock* clock = nullptr;      // the engine clock: schedules, windows, decisions
  const Clock* cpu_clock = nullptr;  // a real clock for the policies' CPU deadlines
  bool dry_run = false;              // observe everywhere, whatever config says
  bool persistent = true;            // false (replay): no state file, nothing survives
  // Where the hourly history goes: empty, the state file (none when not persistent). A replay
  // gives one of its own, so policies that read ctx:history read what it replayed.
  std::string history_path;
  std::string stdlib_dir;
  DecisionLog on_decision;  // also told every decision record (replay's timeline)
  bool publish = true;      // render the control plane's views after each pass
};

// One policy as the engine runs it.
struct RunningPolicy {
  std::string file;
  bindings::PolicyHealth health;
  std::optional<Schedule> schedule;
  Nanos next_due = 0;
  Nanos last_run = 0;
  std::string last_error;
  std::uint64_t evaluations = 0, failures = 0, skipped = 0, proposals = 0;
  double last_duration_ms = 0;
  std::string saved_state;  // the ctx.state last written to the store
  bool disabled = false;
};

// What a control-plane request gets back from the engine thread.
struct Reply {
  int status = 200;
  std::string body;  // JSON
};

class Engine {
 public:
  Engine(Config config, EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Opens the store, restores the guard and the pipeline, loads the policies; or why not.
  Result<void> start();
  // One pass of the loop at the clock's time.
  void tick();
  // Finishes in-flight actuations (up to their timeout), saves state, closes the store.
  void stop();

  // Runs `work` on the engine thread at its next pass; the future holds its reply.
  std::future<Reply> post(std::function<Reply(Engine&)> work);
  // Engine thread: `done` hears the decision's record once it has its result (at once if it
  // has one already), so an operator's approve or rollback can answer with what happened.
  void when_finished(std::int64_t decision, std::function<void(const std::string& record)> done);
  // Every policy's next run counted from `wall` (replay: the first event's time).
  void restart_schedules(Nanos wall);
  // Engine thread: runs every triage policy now over the `since` before now (an operator's
  // `setpoint triage --since 7d`, by `who`): the ids of the reports written, or why none was.
  Result<std::vector<std::string>> run_triage(Nanos since, const std::string& who);
  Nanos last_triage_run() const { return last_triage_run_; }  // 0: none yet
  // Replaces the config (SIGHUP); or why not, and the old config stays.
  Result<void> reload_config(Config config);

  // Published views, safe from any thread: JSON documents, and the Prometheus text.
  std::string view(const std::string& name) const;
  std::string metrics_text() const;
  // How long since the engine thread last finished a pass (any thread): a thread that has
  // stopped passing is unhealthy, whatever else still answers.
  Nanos since_last_pass() const {
    return options_.cpu_clock->monotonic() - last_pass_.load(std::memory_order_relaxed);
  }
  // Where every source adds its ingest counts (any thread).
  IngestTotals& ingest_totals() { return ingest_totals_; }
  // Every decision record as it is recorded and finished (any thread reads it).
  DecisionFeed& feed() { return feed_; }

  // Engine-thread access, for commands, replay and embedding.
  Aggregator& aggregator() { return aggregator_; }
  Guard& guard() { return *guard_; }
  // Waits until the hour being written to the history (if any) is in the store: for tests and
  // the end of a replay.
  void settle_history() {
    if (history_) history_->settle();
  }
  EffectPipeline& pipeline() { return *pipeline_; }
  InprocActuator& inproc() { return inproc_; }
  // The autopilot's cycles and what they learn (after start()).
  Autopilot& autopilot() { return *autopilot_; }
  // Rollouts of parameter changes (after start()).
  Rollouts& rollouts() { return *rollouts_; }
  // Shadow versions running beside their live ones, by file (engine_shadows.cpp).
  const std::map<std::string, ShadowRun>& shadow_runs() const { return shadows_; }
  // The file whose shadow version is `policy`'s, if one is.
  std::optional<std::string> shadow_file(const std::string& policy) const;
  // The file's shadow version goes live (`why` is recorded): what was done, or why not.
  Result<std::string> promote_shadow(const std::string& file, const std::string& why, Nanos wall);
  // Drops it, the live version untouched; `who` is empty when the engine decided.
  Result<std::string> discard_shadow(const std::string& file, const std::string& why,
                                     const std::string& who, Nanos wall);
  // What end users are told (after start()): GET /v1/status.
  const StatusFeed& status() const { return *status_; }
  AuditStore* store() { return store_.get(); }
  // A store write made outside the pipeline (an operator action's record) that failed.
  void count_store_failure() { ++metrics_.store_write_failures; }
  bindings::PolicyFolder& folder() { return *folder_; }
  const std::map<std::string, RunningPolicy>& policies() const { return running_; }
  EngineMetrics& metrics() { return metrics_; }
  const Config& config() const { return config_; }
  const Clock& clock() const { return *options_.clock; }
  // --dry-run or engine.dry_run: every decision is a shadow, and no state is kept.
  bool dry_run() const { return options_.dry_run || config_.engine.dry_run; }

 private:
  void build_effects();
  Result<void> start_rollouts();
  void write_decision_log(const std::string& line);
  void share_limit_overrides();
  void adopt(const std::vector<std::string>& changed, Nanos wall);
  std::vector<std::string> all_files() const;
  bindings::HealthOptions health_options() const;
  void run_due(Nanos wall);
  // One evaluation; a triage policy's over `triage`'s window (none: its own, on schedule).
  void evaluate(const std::string& file, bindings::LivePolicy& live, RunningPolicy& running,
                Nanos wall, const std::string& cycle = {}, const TriageRun* triage = nullptr);
  // A triage run's report into the store (engine_triage.cpp); its id, or empty when none.
  std::string save_triage(const TriageRun& run, const bindings::PolicyOutputs& out,
                          const std::vector<Decision>& decisions);
  // Alerts into the store: a policy's, its errors and quarantines, the autopilot's.
  void record_alert(const std::string& source, const std::string& kind, const std::string& message,
                    Nanos wall);
  // A due autopilot policy: its cycle begun (or skipped), then evaluated as one.
  void run_cycle(const std::string& file, bindings::LivePolicy& live, RunningPolicy& running,
                 Nanos wall);
  bool paused_by_operator(const std::string& policy, Nanos wall) const;
  Result<HistoryStat> history_stat(const std::string& series, const std::string& stat, Nanos from,
                                   Nanos to);
  void save(Nanos wall);
  // Counts the pipeline's refused store writes into /metrics; warns once per streak.
  void watch_store();
  void store_refused(const std::string& why);  // warns unless already warned
  void watch_history(Nanos wall);  // the hourly flush: told the time, its counts into /metrics
  Result<void> open_history(const std::string& path);
  void publish(Nanos wall);
  void run_posted();
  // The status feed (engine_status.cpp): started from the restored values; its changes
  // recorded like decisions.
  void start_status(Nanos wall);
  void record_status_changes(Nanos wall);
  // What a policy reads; its parameters' values and bounds from `guard` (a shadow's own).
  bindings::PolicyInputs inputs(Nanos wall, Guard& guard);
  // Shadow versions (engine_shadows.cpp).
  Nanos shadow_period(const bindings::LivePolicy& live, const bindings::LivePolicy& next) const;
  ShadowRun* shadow_for(const std::string& file);
  void sync_shadows(const std::vector<std::string>& changed, Nanos wall);
  void restore_shadows(Nanos wall);
  // Before the live version's evaluation: the shadow's guard follows the live one; the
  // shadow's parameters whose two sides already stand apart.
  std::set<std::string> follow_live(const std::string& file, ShadowRun& run);
  void run_shadow(const std::string& file, ShadowRun& run, const std::vector<Decision>& live,
                  const std::set<std::string>& apart, Nanos wall);
  void review_shadows(Nanos wall);
  void save_shadow(const ShadowRun& run, Nanos wall);
  void forget_shadow(const std::string& file);  // its record in the store
  void end_shadow(const std::string& file);

  Config config_;
  EngineOptions options_;
  Aggregator aggregator_;
  bindings::Stdlib stdlib_;
  std::unique_ptr<AuditStore> store_;
  std::unique_ptr<history::HourlyFlush> history_;          // with a store and engine.history on
  std::unique_ptr<history::HistoryStore> history_reader_;  // the engine thread's connection
  std::unique_ptr<DecisionLogFile> decision_log_;
  bool decision_log_failing_ = false;      // warned about; until a write works again
  std::uint64_t store_failures_seen_ = 0;  // the pipeline's count at the last look
  bool store_failing_ = false;             // warned about; until writes work again
  bool state_save_failing_ = false;        // the last guard or ctx.state save failed
  Nanos next_guard_save_ = 0;              // after a refused save, not before this
  std::unique_ptr<Guard> guard_;
  // The actuators before the pools that call them: members go in reverse order, so a worker
  // still inside one is joined before the actuator goes.
  InprocActuator inproc_;
  LogActuator log_;                                             // for targets with no actuator
  std::map<std::string, std::unique_ptr<Actuator>> actuators_;  // by target
  std::unique_ptr<ActuatorPool> pool_;
  std::unique_ptr<EffectPipeline> pipeline_;
  std::unique_ptr<Autopilot> autopilot_;
  std::unique_ptr<Rollouts> rollouts_;
  std::unique_ptr<AlertRecorder> alerts_;
  std::unique_ptr<StatusFeed> status_;
  DecisionFeed feed_;
  std::string last_report_;            // the id of the report the last triage evaluation wrote
  Nanos last_triage_run_ = 0;          // when run_triage last ran (on demand)
  std::atomic<bool> stopping_{false};  // read by the reload thread's test gate
  std::unique_ptr<bindings::PolicyFolder> folder_;
  std::map<std::string, RunningPolicy> running_;  // by file
  std::map<std::string, ShadowRun> shadows_;      // by file
  sketch::Accumulator scratch_;
  EngineMetrics metrics_;
  std::string saved_guard_;
  Nanos next_scan_ = 0;  // when due policies are next looked for (every engine.tick)

  // Per-policy limits, read by the folder's reload thread.
  std::mutex overrides_mutex_;
  std::map<std::string, std::pair<std::optional<std::size_t>, std::optional<Nanos>>>
      limit_overrides_;

  std::map<std::int64_t, std::vector<std::function<void(const std::string&)>>> finish_waiters_;

  struct Posted {
    std::function<Reply(Engine&)> work;
    std::promise<Reply> reply;
  };
  std::mutex posted_mutex_;
  std::deque<Posted> posted_;

  IngestTotals ingest_totals_;
  std::atomic<Nanos> last_pass_{0};
  mutable std::mutex views_mutex_;
  std::map<std::string, std::string> views_;
  EngineMetrics published_metrics_;
};

}  // namespace setpoint::runner

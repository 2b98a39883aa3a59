#pragma once
// The audit and state store: SQLite in WAL mode. Decisions (intent written before an effect,
// result after), named state documents (guard state, policy state, shadow values) and drift
// events. The schema grows by numbered, additive migrations (PRAGMA user_version).
// Used from the engine thread only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setpoint/audit/autopilot_records.hpp"
#include "setpoint/audit/decision.hpp"
#include "setpoint/audit/review_records.hpp"
#include "setpoint/audit/rollout_records.hpp"
#include "setpoint/audit/shadow_records.hpp"
#include "setpoint/audit/triage_records.hpp"
#include "setpoint/base/result.hpp"

struct sqlite3;

namespace setpoint {

struct DecisionQuery {
  Nanos since = 0;
  std::string policy;   // empty: any
  std::string verdict;  // allow, clamp, block; empty: any
  std::size_t limit = 1000;
  std::string target;         // a parameter or action; empty: any
  std::string outcome;        // applied, blocked, …; empty: any
  bool newest_first = false;  // the limit keeps the newest, and they come newest first
};

struct StoredDecision {
  std::int64_t id;
  Nanos at;
  std::string policy;
  std::string target;
  std::string verdict;
  std::string outcome;  // empty: an intent without a result
  std::string json;     // the whole record, as decision_json() wrote it
};

struct StoredParameter {
  std::string name;
  std::string value;    // JSON: a number, a bool or a string
  std::string source;   // the policy, operator:<name>, setpoint:verify…
  std::string version;  // the decision id that set it
  Nanos updated_at = 0;
};

struct StoredProposal {
  std::int64_t id;     // the decision's id
  std::string status;  // pending, approved, rejected, expired
  Nanos expires;
  std::string record;  // the decision record (JSON)
  std::string decided_by;
  Nanos decided_at;
};

// A mutation made through the control plane: who (the token's name), what, and its answer.
struct OperatorAction {
  Nanos at = 0;
  std::string who;
  std::string action;  // "POST /v1/pause"
  std::string detail;  // the request body
  int status = 0;      // the HTTP status answered
};

// Every call answers a Result: a failed write or read says why (SQLite's message), and the
// caller decides what that failure means (the pipeline does not touch the world without its
// intent on disk; a read route answers 500). Nothing is kept between calls.
class AuditStore {
 public:
  static Result<std::unique_ptr<AuditStore>> open(const std::string& path);
  ~AuditStore();
  AuditStore(const AuditStore&) = delete;
  AuditStore& operator=(const AuditStore&) = delete;

  int schema_version() const;  // -1 when it cannot be read
  // A decision whose effect is about to happen (outcome kIntent): its id, also set on it.
  Result<std::int64_t> record_intent(Decision& decision);
  // The effect's result, over the intent of the same id.
  Result<void> record_result(Decision& decision);
  // A decision with no effect to wait for (observe, advise, blocked…), recorded whole.
  Result<std::int64_t> record(Decision& decision);
  // Intents without a result: effects a crash may or may not have completed.
  Result<std::vector<StoredDecision>> unfinished() const;
  Result<std::vector<StoredDecision>> decisions(const DecisionQuery& query) const;
  Result<std::optional<StoredDecision>> decision(std::int64_t id) const;
  // How many decisions since a time, by verdict (allow, clamp, block).
  Result<std::vector<std::pair<std::string, std::int64_t>>> count_decisions(Nanos since) const;

  Result<void> save_state(const std::string& key, const std::string& json, Nanos at);
  Result<std::optional<std::string>> load_state(const std::string& key) const;
  Result<void> erase_state(const std::string& key);

  Result<void> save_parameter(const StoredParameter& parameter);
  Result<std::vector<StoredParameter>> parameters() const;
  Result<void> save_proposal(const StoredProposal& proposal);
  Result<std::vector<StoredProposal>> proposals(const std::string& status = {}) const;
  Result<std::optional<StoredProposal>> proposal(std::int64_t id) const;

  Result<void> record_drift(Nanos at, const std::string& target, const std::string& detail);
  Result<std::size_t> drift_count() const;

  Result<void> record_operator_action(const OperatorAction& action);
  Result<std::vector<OperatorAction>> operator_actions() const;

  // The autopilot's records (autopilot_records.cpp). A cycle or bounds row is written whole,
  // over the one of the same id or name.
  Result<void> save_cycle(const CycleRow& cycle);
  // The newest `limit`, newest first; of one policy or status when given.
  // Newest first; `since`: those started at or after it.
  Result<std::vector<CycleRow>> cycles(const std::string& policy = {},
                                       const std::string& status = {}, std::size_t limit = 100,
                                       Nanos since = 0) const;
  Result<std::optional<CycleRow>> cycle(const std::string& id) const;
  Result<void> save_bounds(const BoundsRow& bounds);
  Result<std::vector<BoundsRow>> bounds() const;
  Result<void> save_impact(const ImpactRow& impact);
  Result<std::vector<ImpactRow>> impacts(const std::string& cycle = {}) const;
  Result<void> record_drift_event(const DriftEventRow& event);
  // Of one kind when given (the actuators' are "actuator"), oldest first.
  Result<std::vector<DriftEventRow>> drift_events(const std::string& kind = {}) const;
  // The newest `limit` at or after `since`, newest first.
  Result<std::vector<DriftEventRow>> drift_events_since(Nanos since, std::size_t limit) const;
  // The autopilot's open events are resolved (its pause ended or was lifted).
  Result<void> resolve_drift_events(Nanos at);

  // Rollouts (rollout_records.cpp): a row is written whole over the one of the same id.
  Result<void> save_rollout(const RolloutRow& rollout);
  // The newest `limit`, newest first; of one status or parameter when given.
  // Newest first; `since`: those started at or after it.
  Result<std::vector<RolloutRow>> rollouts(const std::string& status = {},
                                           const std::string& parameter = {},
                                           std::size_t limit = 100, Nanos since = 0) const;
  Result<std::optional<RolloutRow>> rollout(const std::string& id) const;
  // Those still running or held, and those that ended with actuations unanswered (settling),
  // oldest first: what a restarted engine resumes.
  Result<std::vector<RolloutRow>> active_rollouts() const;

  // Alerts and triage reports (triage_records.cpp). An alert's id, for repeat_alert().
  Result<std::int64_t> record_alert(const AlertRow& alert);
  Result<void> repeat_alert(std::int64_t id, Nanos at);  // count + 1, last seen `at`
  // Those last seen at or after `since`, newest first, at most `limit`.
  Result<std::vector<AlertRow>> alerts(Nanos since, std::size_t limit) const;
  Result<void> save_triage_report(const TriageReportRow& report);
  Result<std::vector<TriageReportRow>> triage_reports(std::size_t limit) const;  // newest first
  Result<std::optional<TriageReportRow>> triage_report(const std::string& id) const;
  // Dry-run reviews (review_records.cpp): an operator's mark on a decision, one per decision
  // (a new one replaces it), and the would-have-been decisions in [since, until) grouped.
  Result<void> mark_decision(const DecisionMark& mark);
  Result<void> unmark_decision(std::int64_t decision);
  Result<std::optional<DecisionMark>> decision_mark(std::int64_t decision) const;
  Result<std::vector<ReviewGroup>> review_groups(Nanos since, Nanos until) const;
  // The marks on decisions made in [since, until), newest decision first, at most `limit`.
  Result<std::vector<DecisionMark>> decision_marks(Nanos since, Nanos until,
                                                   std::size_t limit) const;
  // Decisions in [since, until) that observe or advise mode made whose record is not JSON (a
  // damaged store): a review says how many it could not read.
  Result<std::int64_t> unreadable_decisions(Nanos since, Nanos until) const;
  // Shadow versions' divergences (shadow_records.cpp): recorded with their id; read back
  // newest first, of one policy and, when given, one shadow version.
  Result<std::int64_t> record_divergence(const ShadowDivergenceRow& row);
  Result<std::vector<ShadowDivergenceRow>> divergences(const std::string& policy,
                                                       const std::string& shadow_version,
                                                       std::size_t limit) const;

 private:
  explicit AuditStore(sqlite3* db) : db_(db) {}
  Result<void> exec(const char* sql);
  Result<std::int64_t> insert_decision(Decision& decision);
  Result<void> migrate();

  sqlite3* db_;
};

}  // namespace setpoint

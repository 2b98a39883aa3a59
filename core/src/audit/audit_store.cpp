#include "setpoint/audit/audit_store.hpp"

#include <sqlite3.h>

#include <array>

#include "setpoint/base/regular_file.hpp"
#include "statement.hpp"

namespace setpoint {
namespace {

using sql::all_rows;
using sql::first_row;
using sql::Statement;

// Each entry moves the schema one version up. Only ever append: never edit a shipped one.
constexpr std::array<const char*, 10> kMigrations = {
    // 1: decisions, state documents, drift events.
    "CREATE TABLE decisions ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL,"
    "  policy TEXT NOT NULL,"
    "  policy_version TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  verdict TEXT NOT NULL,"
    "  verdict_reason TEXT NOT NULL,"
    "  mode TEXT NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  result_at INTEGER NOT NULL DEFAULT 0,"
    "  record TEXT NOT NULL);"
    "CREATE INDEX decisions_at ON decisions(at);"
    "CREATE INDEX decisions_policy ON decisions(policy, at);"
    "CREATE TABLE state (key TEXT PRIMARY KEY, json TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE drift_events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    "  target TEXT NOT NULL, detail TEXT NOT NULL);",
    // 2: parameters as applied, proposals waiting for a human.
    "CREATE TABLE parameters (name TEXT PRIMARY KEY, value TEXT NOT NULL, source TEXT NOT NULL,"
    "  version TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE proposals (id INTEGER PRIMARY KEY, status TEXT NOT NULL, expires INTEGER NOT "
    "NULL,"
    "  record TEXT NOT NULL, decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER NOT NULL "
    "DEFAULT 0);",
    // 3: what operators did through the control plane, with the token's name.
    "CREATE TABLE operator_actions (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    "  who TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL, status INTEGER NOT NULL);",
    // 4: a parameter's decisions, newest first (rollback to the last applied value).
    "CREATE INDEX decisions_target ON decisions(target, id);",
    // 5: the autopilot: its cycles, the parameters' operating bounds, the impact measured of
    // each change, and drift events of the autopilot's own (kind) beside the actuators'.
    "CREATE TABLE autopilot_cycles (id TEXT PRIMARY KEY, policy TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL, completed_at INTEGER NOT NULL DEFAULT 0,"
    "  status TEXT NOT NULL, analysis TEXT NOT NULL, proposed_changes TEXT NOT NULL,"
    "  outcome TEXT NOT NULL, error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX autopilot_cycles_started ON autopilot_cycles(started_at);"
    "CREATE TABLE parameter_bounds (name TEXT PRIMARY KEY, min_value REAL NOT NULL,"
    "  max_value REAL NOT NULL, current_value REAL NOT NULL, stability_days INTEGER NOT NULL,"
    "  rollback_count INTEGER NOT NULL, frozen INTEGER NOT NULL, last_updated INTEGER NOT NULL,"
    "  state TEXT NOT NULL, bounds_history TEXT NOT NULL);"
    "CREATE TABLE impact_checks (decision INTEGER PRIMARY KEY, cycle TEXT NOT NULL,"
    "  target TEXT NOT NULL, series TEXT NOT NULL, stat TEXT NOT NULL, before REAL, after REAL,"
    "  predicted REAL NOT NULL, actual REAL, error REAL, worse INTEGER NOT NULL,"
    "  checked_at INTEGER NOT NULL, detail TEXT NOT NULL);"
    "ALTER TABLE drift_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'actuator';"
    "ALTER TABLE drift_events ADD COLUMN metrics TEXT NOT NULL DEFAULT '{}';"
    "ALTER TABLE drift_events ADD COLUMN action TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE drift_events ADD COLUMN resolved_at INTEGER NOT NULL DEFAULT 0;",
    // 6: a cycle's impact checks, read per cycle by /v1/autopilot/cycles.
    "CREATE INDEX impact_checks_cycle ON impact_checks(cycle);",
    // 7: rollouts of parameter changes, one row each (the seed's canary_deployments columns
    // first), read by status when the engine starts.
    "CREATE TABLE canary_deployments (canary_id TEXT PRIMARY KEY, cycle_id TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL, completed_at INTEGER NOT NULL DEFAULT 0,"
    "  traffic_percentage REAL NOT NULL, control_metrics TEXT NOT NULL,"
    "  canary_metrics TEXT NOT NULL, statistical_significance REAL NOT NULL,"
    "  recommendation TEXT NOT NULL, parameter TEXT NOT NULL, decision INTEGER NOT NULL,"
    "  baseline_value REAL NOT NULL, canary_value REAL NOT NULL, step INTEGER NOT NULL,"
    "  status TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL, last_look TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX canary_deployments_status ON canary_deployments(status);"
    "CREATE INDEX canary_deployments_started ON canary_deployments(started_at);",
    // 8: alerts (for ctx:incidents and the weekly triage), and the triage reports (the seed's
    // triage_reports columns first).
    "CREATE TABLE alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    "  last_at INTEGER NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,"
    "  message TEXT NOT NULL, count INTEGER NOT NULL);"
    "CREATE INDEX alerts_last_at ON alerts(last_at);"
    "CREATE TABLE triage_reports (report_id TEXT PRIMARY KEY, generated_at INTEGER NOT NULL,"
    "  analysis_period_start INTEGER NOT NULL, analysis_period_end INTEGER NOT NULL,"
    "  failure_categories TEXT NOT NULL, patch_suggestions TEXT NOT NULL,"
    "  github_issues TEXT NOT NULL, policy TEXT NOT NULL, trigger TEXT NOT NULL,"
    "  report TEXT NOT NULL);"
    "CREATE INDEX triage_reports_generated ON triage_reports(generated_at);",
    // 9: operators' marks on decisions (a would-have-been decision that was a false
    // positive), for a dry-run review.
    "CREATE TABLE decision_marks (decision INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    "  note TEXT NOT NULL, marked_by TEXT NOT NULL, marked_at INTEGER NOT NULL);",
    // 10: where a shadow version of a policy would have decided otherwise than the live one.
    "CREATE TABLE shadow_divergences (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL, policy TEXT NOT NULL, live_version TEXT NOT NULL,"
    "  shadow_version TEXT NOT NULL, target TEXT NOT NULL, live TEXT NOT NULL,"
    "  shadow TEXT NOT NULL, at_bound INTEGER NOT NULL, follows INTEGER NOT NULL);"
    "CREATE INDEX shadow_divergences_policy ON shadow_divergences(policy, shadow_version);",
};

StoredDecision decision_row(const Statement& s) {
  return {s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)};
}

StoredProposal proposal_row(const Statement& s) {
  return {s.integer(0), s.text(1), s.integer(2), s.text(3), s.text(4), s.integer(5)};
}

}  // namespace

Result<std::unique_ptr<AuditStore>> AuditStore::open(const std::string& path) {
  // A FIFO, a device or a folder at the path: said as such, not as SQLite's "disk I/O error".
  if (auto file = check_no_special_file(path); !file) return Error{file.error()};
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string error = "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return Error{error};
  }
  std::unique_ptr<AuditStore> store(new AuditStore(db));
  // SQLite falls back to read-only when it may not write the file: every decision would then
  // fail, so that is refused at the start rather than found at the first one.
  if (sqlite3_db_readonly(db, "main") == 1)
    return Error{"cannot open " + path + " for writing (it, or its folder, is read-only)"};
  // The engine thread writes here: a lock held from outside costs it at most a second a
  // statement (at 5 s, four statements held a pass for 20 s and /readyz went red).
  sqlite3_busy_timeout(db, 1000);
  // WAL: readers never block the writer; synchronous=FULL: a committed intent survives power loss.
  for (const char* pragma : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;"}) {
    if (auto done = store->exec(pragma); !done) return Error{path + ": " + done.error()};
  }
  if (auto migrated = store->migrate(); !migrated) return Error{path + ": " + migrated.error()};
  return store;
}

AuditStore::~AuditStore() { sqlite3_close(db_); }

Result<void> AuditStore::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{message ? message : sqlite3_errmsg(db_)};
    sqlite3_free(message);
    return error;
  }
  return {};
}

int AuditStore::schema_version() const {
  Statement s(db_, "PRAGMA user_version;");
  const auto row = s.next();
  return row && *row ? static_cast<int>(s.integer(0)) : -1;
}

Result<void> AuditStore::migrate() {
  const int current = schema_version();
  if (current < 0)
    return Error{std::string("cannot read the schema version: ") + sqlite3_errmsg(db_)};
  if (current > static_cast<int>(kMigrations.size())) {
    return Error{"the database has schema version " + std::to_string(current) +
                 ", newer than this build knows (" + std::to_string(kMigrations.size()) + ")"};
  }
  for (int v = current; v < static_cast<int>(kMigrations.size()); ++v) {
    const std::string sql = std::string("BEGIN;") + kMigrations[v] +
                            "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
    if (auto done = exec(sql.c_str()); !done) {
      (void)exec("ROLLBACK;");
      return Error{"migration to schema version " + std::to_string(v + 1) +
                   " failed: " + done.error()};
    }
  }
  return {};
}

Result<std::int64_t> AuditStore::record_intent(Decision& d) {
  d.outcome = DecisionOutcome::kIntent;
  return record(d);
}

Result<std::int64_t> AuditStore::record(Decision& d) {
  // The row and its JSON in one transaction: another connection (the control plane's reads)
  // and a crash both see the decision whole or not at all.
  if (auto begun = exec("BEGIN IMMEDIATE;"); !begun) {
    d.id = 0;
    return Error{begun.error()};
  }
  auto id = insert_decision(d);
  Result<void> committed = id ? exec("COMMIT;") : Result<void>(Error{id.error()});
  if (!committed) {
    (void)exec("ROLLBACK;");
    d.id = 0;
    return Error{committed.error()};
  }
  return id;
}

Result<std::int64_t> AuditStore::insert_decision(Decision& d) {
  Statement insert(db_,
                   "INSERT INTO decisions (at, policy, policy_version, kind, target, verdict, "
                   "verdict_reason, mode, outcome, result_at, record) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')");
  insert.bind(1, d.at)
      .bind(2, d.policy)
      .bind(3, d.policy_version)
      .bind(4, std::string(kind_name(d.proposal.kind)))
      .bind(5, d.proposal.target)
      .bind(6, std::string(name(d.verdict.kind)))
      .bind(7, std::string(name(d.verdict.reason)))
      .bind(8, std::string(mode_name(d.mode)))
      .bind(9, outcome_text(d))
      .bind(10, d.result_at);
  if (auto inserted = insert.run(); !inserted) return Error{inserted.error()};
  d.id = sqlite3_last_insert_rowid(db_);
  // The record names its own id, so it is written once the row exists.
  Statement update(db_, "UPDATE decisions SET record = ? WHERE id = ?");
  update.bind(1, decision_json(d)).bind(2, d.id);
  if (auto updated = update.run(); !updated) return Error{updated.error()};
  return d.id;
}

Result<void> AuditStore::record_result(Decision& d) {
  Statement s(db_, "UPDATE decisions SET outcome = ?, result_at = ?, record = ? WHERE id = ?");
  s.bind(1, outcome_text(d)).bind(2, d.result_at).bind(3, decision_json(d)).bind(4, d.id);
  if (auto updated = s.run(); !updated) return updated;
  if (sqlite3_changes(db_) != 1) return Error{"no decision " + std::to_string(d.id)};
  return {};
}

Result<std::vector<StoredDecision>> AuditStore::unfinished() const {
  Statement s(db_,
              "SELECT id, at, policy, target, verdict, outcome, record FROM decisions WHERE "
              "outcome = '' ORDER BY id");
  return all_rows<StoredDecision>(s, decision_row);
}

Result<std::vector<StoredDecision>> AuditStore::decisions(const DecisionQuery& q) const {
  Statement s(
      db_, q.newest_first
               ? "SELECT id, at, policy, target, verdict, outcome, record FROM decisions "
                 "WHERE at >= ? AND (? = '' OR policy = ?) AND (? = '' OR verdict = ?) "
                 "AND (? = '' OR target = ?) AND (? = '' OR outcome = ?) ORDER BY id DESC LIMIT ?"
               : "SELECT id, at, policy, target, verdict, outcome, record FROM decisions "
                 "WHERE at >= ? AND (? = '' OR policy = ?) AND (? = '' OR verdict = ?) "
                 "AND (? = '' OR target = ?) AND (? = '' OR outcome = ?) ORDER BY id LIMIT ?");
  s.bind(1, q.since)
      .bind(2, q.policy)
      .bind(3, q.policy)
      .bind(4, q.verdict)
      .bind(5, q.verdict)
      .bind(6, q.target)
      .bind(7, q.target)
      .bind(8, q.outcome)
      .bind(9, q.outcome)
      .bind(10, static_cast<std::int64_t>(q.limit));
  return all_rows<StoredDecision>(s, decision_row);
}

Result<std::vector<std::pair<std::string, std::int64_t>>> AuditStore::count_decisions(
    Nanos since) const {
  Statement s(db_,
              "SELECT verdict, COUNT(*) FROM decisions WHERE at >= ? GROUP BY verdict "
              "ORDER BY verdict");
  s.bind(1, since);
  return all_rows<std::pair<std::string, std::int64_t>>(
      s, [](const Statement& r) { return std::make_pair(r.text(0), r.integer(1)); });
}

Result<std::optional<StoredDecision>> AuditStore::decision(std::int64_t id) const {
  Statement s(
      db_, "SELECT id, at, policy, target, verdict, outcome, record FROM decisions WHERE id = ?");
  s.bind(1, id);
  return first_row<StoredDecision>(s, decision_row);
}

Result<void> AuditStore::save_state(const std::string& key, const std::string& json, Nanos at) {
  Statement s(
      db_,
      "INSERT INTO state (key, json, updated_at) VALUES (?, ?, ?) "
      "ON CONFLICT(key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at");
  s.bind(1, key).bind(2, json).bind(3, at);
  return s.run();
}

Result<void> AuditStore::erase_state(const std::string& key) {
  Statement s(db_, "DELETE FROM state WHERE key = ?");
  s.bind(1, key);
  return s.run();
}

Result<std::optional<std::string>> AuditStore::load_state(const std::string& key) const {
  Statement s(db_, "SELECT json FROM state WHERE key = ?");
  s.bind(1, key);
  return first_row<std::string>(s, [](const Statement& row) { return row.text(0); });
}

Result<void> AuditStore::record_drift(Nanos at, const std::string& target,
                                      const std::string& detail) {
  Statement s(db_, "INSERT INTO drift_events (at, target, detail) VALUES (?, ?, ?)");
  s.bind(1, at).bind(2, target).bind(3, detail);
  return s.run();
}

Result<std::size_t> AuditStore::drift_count() const {
  Statement s(db_, "SELECT COUNT(*) FROM drift_events");
  const auto row = first_row<std::size_t>(
      s, [](const Statement& r) { return static_cast<std::size_t>(r.integer(0)); });
  if (!row) return Error{row.error()};
  return row->value_or(0);
}

Result<void> AuditStore::record_operator_action(const OperatorAction& a) {
  Statement s(
      db_, "INSERT INTO operator_actions (at, who, action, detail, status) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, a.at)
      .bind(2, a.who)
      .bind(3, a.action)
      .bind(4, a.detail)
      .bind(5, static_cast<std::int64_t>(a.status));
  return s.run();
}

Result<std::vector<OperatorAction>> AuditStore::operator_actions() const {
  Statement s(db_, "SELECT at, who, action, detail, status FROM operator_actions ORDER BY id");
  return all_rows<OperatorAction>(s, [](const Statement& r) {
    return OperatorAction{r.integer(0), r.text(1), r.text(2), r.text(3),
                          static_cast<int>(r.integer(4))};
  });
}

Result<void> AuditStore::save_parameter(const StoredParameter& p) {
  Statement s(
      db_,
      "INSERT INTO parameters (name, value, source, version, updated_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT(name) DO UPDATE SET value = excluded.value, source = excluded.source, "
      "version = excluded.version, updated_at = excluded.updated_at");
  s.bind(1, p.name).bind(2, p.value).bind(3, p.source).bind(4, p.version).bind(5, p.updated_at);
  return s.run();
}

Result<std::vector<StoredParameter>> AuditStore::parameters() const {
  Statement s(db_, "SELECT name, value, source, version, updated_at FROM parameters ORDER BY name");
  return all_rows<StoredParameter>(s, [](const Statement& r) {
    return StoredParameter{r.text(0), r.text(1), r.text(2), r.text(3), r.integer(4)};
  });
}

Result<void> AuditStore::save_proposal(const StoredProposal& p) {
  Statement s(db_,
              "INSERT INTO proposals (id, status, expires, record, decided_by, decided_at) "
              "VALUES (?, ?, ?, ?, ?, ?) "
              "ON CONFLICT(id) DO UPDATE SET status = excluded.status, record = excluded.record, "
              "decided_by = excluded.decided_by, decided_at = excluded.decided_at");
  s.bind(1, p.id)
      .bind(2, p.status)
      .bind(3, p.expires)
      .bind(4, p.record)
      .bind(5, p.decided_by)
      .bind(6, p.decided_at);
  return s.run();
}

Result<std::optional<StoredProposal>> AuditStore::proposal(std::int64_t id) const {
  Statement s(
      db_,
      "SELECT id, status, expires, record, decided_by, decided_at FROM proposals WHERE id = ?");
  s.bind(1, id);
  return first_row<StoredProposal>(s, proposal_row);
}

Result<std::vector<StoredProposal>> AuditStore::proposals(const std::string& status) const {
  Statement s(db_,
              "SELECT id, status, expires, record, decided_by, decided_at FROM proposals "
              "WHERE ? = '' OR status = ? ORDER BY id");
  s.bind(1, status).bind(2, status);
  return all_rows<StoredProposal>(s, proposal_row);
}

}  // namespace setpoint

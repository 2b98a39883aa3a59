#include "setpoint/audit/audit_store.hpp"

#include <sqlite3.h>

#include <array>

namespace setpoint {
namespace {

// Each entry moves the schema one version up. Only ever append: never edit a shipped one.
constexpr std::array<const char*, 4> kMigrations = {
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
};

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  explicit operator bool() const { return stmt_ != nullptr; }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  std::int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }
  std::string text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

StoredDecision row_of(const Statement& s) {
  return {s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)};
}

}  // namespace

Result<std::unique_ptr<AuditStore>> AuditStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string error = "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return Error{error};
  }
  std::unique_ptr<AuditStore> store(new AuditStore(db));
  sqlite3_busy_timeout(db, 5000);
  // WAL: readers never block the writer; synchronous=FULL: a committed intent survives power loss.
  if (!store->exec("PRAGMA journal_mode=WAL;") || !store->exec("PRAGMA synchronous=FULL;")) {
    return Error{path + ": " + store->error_};
  }
  if (auto error = store->migrate(); !error.empty()) return Error{path + ": " + error};
  return store;
}

AuditStore::~AuditStore() { sqlite3_close(db_); }

bool AuditStore::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    error_ = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return false;
  }
  return true;
}

int AuditStore::schema_version() const {
  Statement s(db_, "PRAGMA user_version;");
  return s && s.step() == SQLITE_ROW ? static_cast<int>(s.integer(0)) : -1;
}

std::string AuditStore::migrate() {
  const int current = schema_version();
  if (current > static_cast<int>(kMigrations.size())) {
    return "the database has schema version " + std::to_string(current) +
           ", newer than this build knows (" + std::to_string(kMigrations.size()) + ")";
  }
  for (int v = current; v < static_cast<int>(kMigrations.size()); ++v) {
    const std::string sql = std::string("BEGIN;") + kMigrations[v] +
                            "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
    if (!exec(sql.c_str())) {
      exec("ROLLBACK;");
      return "migration to schema version " + std::to_string(v + 1) + " failed: " + error_;
    }
  }
  return {};
}

std::int64_t AuditStore::record_intent(Decision& d) {
  d.outcome = DecisionOutcome::kIntent;
  return record(d);
}

std::int64_t AuditStore::record(Decision& d) {
  // The row and its JSON in one transaction: another connection (the control plane's reads)
  // and a crash both see the decision whole or not at all.
  if (!exec("BEGIN IMMEDIATE;")) return 0;
  const std::int64_t id = insert_decision(d);
  if (id == 0 || !exec("COMMIT;")) {
    const std::string why = error_;
    exec("ROLLBACK;");
    error_ = why;
    d.id = 0;
    return 0;
  }
  return id;
}

std::int64_t AuditStore::insert_decision(Decision& d) {
  Statement insert(db_,
                   "INSERT INTO decisions (at, policy, policy_version, kind, target, verdict, "
                   "verdict_reason, mode, "
                   "outcome, result_at, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')");
  if (!insert) {
    error_ = sqlite3_errmsg(db_);
    return 0;
  }
  insert.bind(1, d.at)
      .bind(2, d.policy)
      .bind(3, d.policy_version)
      .bind(4, std::string(d.proposal.kind == Proposal::Kind::kSet ? "set" : "act"))
      .bind(5, d.proposal.target)
      .bind(6, std::string(name(d.verdict.kind)))
      .bind(7, std::string(name(d.verdict.reason)))
      .bind(8, std::string(mode_name(d.mode)))
      .bind(9, outcome_text(d))
      .bind(10, d.result_at);
  if (insert.step() != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
    return 0;
  }
  d.id = sqlite3_last_insert_rowid(db_);
  // The record names its own id, so it is written once the row exists.
  Statement update(db_, "UPDATE decisions SET record = ? WHERE id = ?");
  update.bind(1, decision_json(d)).bind(2, d.id);
  if (update.step() != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
    return 0;
  }
  return d.id;
}

bool AuditStore::record_result(Decision& d) {
  Statement s(db_, "UPDATE decisions SET outcome = ?, result_at = ?, record = ? WHERE id = ?");
  s.bind(1, outcome_text(d)).bind(2, d.result_at).bind(3, decision_json(d)).bind(4, d.id);
  if (s.step() != SQLITE_DONE || sqlite3_changes(db_) != 1) {
    error_ =
        sqlite3_changes(db_) == 0 ? "no decision " + std::to_string(d.id) : sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

std::vector<StoredDecision> AuditStore::unfinished() const {
  Statement s(db_,
              "SELECT id, at, policy, target, verdict, outcome, record FROM decisions WHERE "
              "outcome = '' ORDER BY id");
  std::vector<StoredDecision> out;
  while (s.step() == SQLITE_ROW) out.push_back(row_of(s));
  return out;
}

std::vector<StoredDecision> AuditStore::decisions(const DecisionQuery& q) const {
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
  std::vector<StoredDecision> out;
  while (s.step() == SQLITE_ROW) out.push_back(row_of(s));
  return out;
}

std::optional<StoredDecision> AuditStore::decision(std::int64_t id) const {
  Statement s(
      db_, "SELECT id, at, policy, target, verdict, outcome, record FROM decisions WHERE id = ?");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return row_of(s);
}

bool AuditStore::save_state(const std::string& key, const std::string& json, Nanos at) {
  Statement s(
      db_,
      "INSERT INTO state (key, json, updated_at) VALUES (?, ?, ?) "
      "ON CONFLICT(key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at");
  s.bind(1, key).bind(2, json).bind(3, at);
  if (s.step() != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

std::optional<std::string> AuditStore::load_state(const std::string& key) const {
  Statement s(db_, "SELECT json FROM state WHERE key = ?");
  s.bind(1, key);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return s.text(0);
}

bool AuditStore::record_drift(Nanos at, const std::string& target, const std::string& detail) {
  Statement s(db_, "INSERT INTO drift_events (at, target, detail) VALUES (?, ?, ?)");
  s.bind(1, at).bind(2, target).bind(3, detail);
  if (s.step() != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

bool AuditStore::record_operator_action(const OperatorAction& a) {
  Statement s(
      db_, "INSERT INTO operator_actions (at, who, action, detail, status) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, a.at)
      .bind(2, a.who)
      .bind(3, a.action)
      .bind(4, a.detail)
      .bind(5, static_cast<std::int64_t>(a.status));
  if (s.step() != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

std::vector<OperatorAction> AuditStore::operator_actions() const {
  std::vector<OperatorAction> out;
  Statement s(db_, "SELECT at, who, action, detail, status FROM operator_actions ORDER BY id");
  while (s.step() == SQLITE_ROW)
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), static_cast<int>(s.integer(4))});
  return out;
}

std::size_t AuditStore::drift_count() const {
  Statement s(db_, "SELECT COUNT(*) FROM drift_events");
  return s.step() == SQLITE_ROW ? static_cast<std::size_t>(s.integer(0)) : 0;
}

}  // namespace setpoint

namespace setpoint {

bool AuditStore::save_parameter(const StoredParameter& p) {
  Statement s(
      db_,
      "INSERT INTO parameters (name, value, source, version, updated_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT(name) DO UPDATE SET value = excluded.value, source = excluded.source, "
      "version = excluded.version, updated_at = excluded.updated_at");
  s.bind(1, p.name).bind(2, p.value).bind(3, p.source).bind(4, p.version).bind(5, p.updated_at);
  if (s.step() != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

std::vector<StoredParameter> AuditStore::parameters() const {
  Statement s(db_, "SELECT name, value, source, version, updated_at FROM parameters ORDER BY name");
  std::vector<StoredParameter> out;
  while (s.step() == SQLITE_ROW)
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)});
  return out;
}

bool AuditStore::save_proposal(const StoredProposal& p) {
  Statement s(db_,
              "INSERT INTO proposals (id, status, expires, record, decided_by, decided_at) VALUES "
              "(?, ?, ?, ?, ?, ?) "
              "ON CONFLICT(id) DO UPDATE SET status = excluded.status, record = excluded.record, "
              "decided_by = excluded.decided_by, "
              "decided_at = excluded.decided_at");
  s.bind(1, p.id)
      .bind(2, p.status)
      .bind(3, p.expires)
      .bind(4, p.record)
      .bind(5, p.decided_by)
      .bind(6, p.decided_at);
  if (s.step() != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

std::optional<StoredProposal> AuditStore::proposal(std::int64_t id) const {
  Statement s(
      db_,
      "SELECT id, status, expires, record, decided_by, decided_at FROM proposals WHERE id = ?");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return StoredProposal{s.integer(0), s.text(1), s.integer(2), s.text(3), s.text(4), s.integer(5)};
}

std::vector<StoredProposal> AuditStore::proposals(const std::string& status) const {
  Statement s(db_,
              "SELECT id, status, expires, record, decided_by, decided_at FROM proposals "
              "WHERE ? = '' OR status = ? ORDER BY id");
  s.bind(1, status).bind(2, status);
  std::vector<StoredProposal> out;
  while (s.step() == SQLITE_ROW)
    out.push_back({s.integer(0), s.text(1), s.integer(2), s.text(3), s.text(4), s.integer(5)});
  return out;
}

}  // namespace setpoint

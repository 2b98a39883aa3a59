// The autopilot's tables in the audit store (schema version 5).
#include "setpoint/audit/audit_store.hpp"
#include "statement.hpp"

namespace setpoint {
namespace {

using sql::all_rows;
using sql::first_row;
using sql::Statement;

constexpr const char* kCycleColumns =
    "SELECT id, policy, started_at, completed_at, status, analysis, proposed_changes, outcome, "
    "error FROM autopilot_cycles ";

CycleRow cycle_row(const Statement& r) {
  return {r.text(0), r.text(1), r.integer(2), r.integer(3), r.text(4),
          r.text(5), r.text(6), r.text(7),    r.text(8)};
}

}  // namespace

Result<void> AuditStore::save_cycle(const CycleRow& c) {
  Statement s(db_,
              "INSERT OR REPLACE INTO autopilot_cycles (id, policy, started_at, completed_at, "
              "status, analysis, proposed_changes, outcome, error) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, c.id)
      .bind(2, c.policy)
      .bind(3, c.started_at)
      .bind(4, c.completed_at)
      .bind(5, c.status)
      .bind(6, c.analysis)
      .bind(7, c.proposed_changes)
      .bind(8, c.outcome)
      .bind(9, c.error);
  return s.run();
}

Result<std::vector<CycleRow>> AuditStore::cycles(const std::string& policy,
                                                 const std::string& status, std::size_t limit,
                                                 Nanos since) const {
  const std::string sql = std::string(kCycleColumns) +
                          "WHERE (? = '' OR policy = ?) AND (? = '' OR status = ?) "
                          "AND started_at >= ? ORDER BY started_at DESC, id DESC LIMIT ?";
  Statement s(db_, sql.c_str());
  s.bind(1, policy).bind(2, policy).bind(3, status).bind(4, status).bind(5, since);
  s.bind(6, static_cast<std::int64_t>(limit));
  return all_rows<CycleRow>(s, cycle_row);
}

Result<std::optional<CycleRow>> AuditStore::cycle(const std::string& id) const {
  const std::string sql = std::string(kCycleColumns) + "WHERE id = ?";
  Statement s(db_, sql.c_str());
  s.bind(1, id);
  return first_row<CycleRow>(s, cycle_row);
}

Result<void> AuditStore::save_bounds(const BoundsRow& b) {
  Statement s(db_,
              "INSERT OR REPLACE INTO parameter_bounds (name, min_value, max_value, current_value, "
              "stability_days, rollback_count, frozen, last_updated, state, bounds_history) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, b.name).bind_real(2, b.min).bind_real(3, b.max).bind_real(4, b.current);
  s.bind(5, b.stability_days).bind(6, b.rollback_count).bind(7, std::int64_t{b.frozen});
  s.bind(8, b.last_updated).bind(9, b.state).bind(10, b.bounds_history);
  return s.run();
}

Result<std::vector<BoundsRow>> AuditStore::bounds() const {
  Statement s(db_,
              "SELECT name, min_value, max_value, current_value, stability_days, rollback_count, "
              "frozen, last_updated, state, bounds_history FROM parameter_bounds ORDER BY name");
  return all_rows<BoundsRow>(s, [](const Statement& r) {
    return BoundsRow{r.text(0),    r.real(1),         r.real(2),    r.real(3), r.integer(4),
                     r.integer(5), r.integer(6) != 0, r.integer(7), r.text(8), r.text(9)};
  });
}

Result<void> AuditStore::save_impact(const ImpactRow& i) {
  Statement s(db_,
              "INSERT OR REPLACE INTO impact_checks (decision, cycle, target, series, stat, "
              "before, after, predicted, actual, error, worse, checked_at, detail) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, i.decision).bind(2, i.cycle).bind(3, i.target).bind(4, i.series).bind(5, i.stat);
  s.bind_real(6, i.before).bind_real(7, i.after).bind_real(8, i.predicted);
  s.bind_real(9, i.actual).bind_real(10, i.error).bind(11, std::int64_t{i.worse});
  s.bind(12, i.checked_at).bind(13, i.detail);
  return s.run();
}

Result<std::vector<ImpactRow>> AuditStore::impacts(const std::string& cycle) const {
  Statement s(db_,
              "SELECT decision, cycle, target, series, stat, before, after, predicted, actual, "
              "error, worse, checked_at, detail FROM impact_checks WHERE ? = '' OR cycle = ? "
              "ORDER BY decision");
  s.bind(1, cycle).bind(2, cycle);
  return all_rows<ImpactRow>(s, [](const Statement& r) {
    return ImpactRow{r.integer(0),       r.text(1),     r.text(2), r.text(3), r.text(4),
                     r.real(5),          r.real(6),     r.real(7), r.real(8), r.real(9),
                     r.integer(10) != 0, r.integer(11), r.text(12)};
  });
}

Result<void> AuditStore::record_drift_event(const DriftEventRow& e) {
  Statement s(db_,
              "INSERT INTO drift_events (at, target, detail, kind, metrics, action, resolved_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, e.at).bind(2, e.target).bind(3, e.detail).bind(4, e.kind).bind(5, e.metrics);
  s.bind(6, e.action).bind(7, e.resolved_at);
  return s.run();
}

Result<std::vector<DriftEventRow>> AuditStore::drift_events(const std::string& kind) const {
  Statement s(db_,
              "SELECT id, at, kind, target, detail, metrics, action, resolved_at FROM drift_events "
              "WHERE ? = '' OR kind = ? ORDER BY id");
  s.bind(1, kind).bind(2, kind);
  return all_rows<DriftEventRow>(s, [](const Statement& r) {
    return DriftEventRow{r.integer(0), r.integer(1), r.text(2), r.text(3),
                         r.text(4),    r.text(5),    r.text(6), r.integer(7)};
  });
}

Result<std::vector<DriftEventRow>> AuditStore::drift_events_since(Nanos since,
                                                                  std::size_t limit) const {
  Statement s(db_,
              "SELECT id, at, kind, target, detail, metrics, action, resolved_at FROM drift_events "
              "WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?");
  s.bind(1, since).bind(2, static_cast<std::int64_t>(limit));
  return all_rows<DriftEventRow>(s, [](const Statement& r) {
    return DriftEventRow{r.integer(0), r.integer(1), r.text(2), r.text(3),
                         r.text(4),    r.text(5),    r.text(6), r.integer(7)};
  });
}

Result<void> AuditStore::resolve_drift_events(Nanos at) {
  Statement s(
      db_, "UPDATE drift_events SET resolved_at = ? WHERE kind != 'actuator' AND resolved_at = 0");
  s.bind(1, at);
  return s.run();
}

}  // namespace setpoint

// The rollouts' table in the audit store (schema version 7).
#include "setpoint/audit/audit_store.hpp"
#include "statement.hpp"

namespace setpoint {
namespace {

using sql::all_rows;
using sql::first_row;
using sql::Statement;

constexpr const char* kColumns =
    "SELECT canary_id, cycle_id, started_at, completed_at, traffic_percentage, control_metrics, "
    "canary_metrics, statistical_significance, recommendation, parameter, decision, "
    "baseline_value, canary_value, step, status, reason, state, last_look, updated_at "
    "FROM canary_deployments ";

RolloutRow rollout_row(const Statement& r) {
  RolloutRow row;
  row.id = r.text(0);
  row.cycle = r.text(1);
  row.started_at = r.integer(2);
  row.completed_at = r.integer(3);
  row.traffic_percentage = r.real(4);
  row.control_metrics = r.text(5);
  row.canary_metrics = r.text(6);
  row.statistical_significance = r.real(7);
  row.recommendation = r.text(8);
  row.parameter = r.text(9);
  row.decision = r.integer(10);
  row.baseline_value = r.real(11);
  row.canary_value = r.real(12);
  row.step = r.integer(13);
  row.status = r.text(14);
  row.reason = r.text(15);
  row.state = r.text(16);
  row.last_look = r.text(17);
  row.updated_at = r.integer(18);
  return row;
}

}  // namespace

Result<void> AuditStore::save_rollout(const RolloutRow& r) {
  Statement s(db_,
              "INSERT OR REPLACE INTO canary_deployments (canary_id, cycle_id, started_at, "
              "completed_at, traffic_percentage, control_metrics, canary_metrics, "
              "statistical_significance, recommendation, parameter, decision, baseline_value, "
              "canary_value, step, status, reason, state, last_look, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, r.id).bind(2, r.cycle).bind(3, r.started_at).bind(4, r.completed_at);
  s.bind_real(5, r.traffic_percentage).bind(6, r.control_metrics).bind(7, r.canary_metrics);
  s.bind_real(8, r.statistical_significance).bind(9, r.recommendation).bind(10, r.parameter);
  s.bind(11, r.decision).bind_real(12, r.baseline_value).bind_real(13, r.canary_value);
  s.bind(14, r.step).bind(15, r.status).bind(16, r.reason).bind(17, r.state);
  s.bind(18, r.last_look).bind(19, r.updated_at);
  return s.run();
}

Result<std::vector<RolloutRow>> AuditStore::rollouts(const std::string& status,
                                                     const std::string& parameter,
                                                     std::size_t limit, Nanos since) const {
  const std::string sql = std::string(kColumns) +
                          "WHERE (? = '' OR status = ?) AND (? = '' OR parameter = ?) "
                          "AND started_at >= ? ORDER BY started_at DESC, canary_id DESC LIMIT ?";
  Statement s(db_, sql.c_str());
  s.bind(1, status).bind(2, status).bind(3, parameter).bind(4, parameter).bind(5, since);
  s.bind(6, static_cast<std::int64_t>(limit));
  return all_rows<RolloutRow>(s, rollout_row);
}

Result<std::optional<RolloutRow>> AuditStore::rollout(const std::string& id) const {
  const std::string sql = std::string(kColumns) + "WHERE canary_id = ?";
  Statement s(db_, sql.c_str());
  s.bind(1, id);
  return first_row<RolloutRow>(s, rollout_row);
}

Result<std::vector<RolloutRow>> AuditStore::active_rollouts() const {
  const std::string sql =
      std::string(kColumns) +
      "WHERE status IN ('running', 'held') OR (CASE WHEN json_valid(state) THEN "
      "json_extract(state, '$.settling') END) = 1 ORDER BY started_at, canary_id";
  Statement s(db_, sql.c_str());
  return all_rows<RolloutRow>(s, rollout_row);
}

}  // namespace setpoint

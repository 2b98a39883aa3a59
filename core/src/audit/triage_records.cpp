// The alerts' and triage reports' tables in the audit store (schema version 8).
#include "setpoint/audit/audit_store.hpp"
#include "statement.hpp"

namespace setpoint {
namespace {

using sql::all_rows;
using sql::first_row;
using sql::Statement;

constexpr const char* kAlertColumns =
    "SELECT id, at, last_at, source, kind, message, count FROM alerts ";
constexpr const char* kReportColumns =
    "SELECT report_id, generated_at, analysis_period_start, analysis_period_end, "
    "failure_categories, patch_suggestions, github_issues, policy, trigger, report "
    "FROM triage_reports ";

AlertRow alert_row(const Statement& r) {
  return {r.integer(0), r.integer(1), r.integer(2), r.text(3), r.text(4), r.text(5), r.integer(6)};
}

TriageReportRow report_row(const Statement& r) {
  TriageReportRow row;
  row.id = r.text(0);
  row.generated_at = r.integer(1);
  row.period_start = r.integer(2);
  row.period_end = r.integer(3);
  row.failure_categories = r.text(4);
  row.patch_suggestions = r.text(5);
  row.github_issues = r.text(6);
  row.policy = r.text(7);
  row.trigger = r.text(8);
  row.report = r.text(9);
  return row;
}

}  // namespace

Result<std::int64_t> AuditStore::record_alert(const AlertRow& a) {
  Statement s(db_,
              "INSERT INTO alerts (at, last_at, source, kind, message, count) "
              "VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, a.at).bind(2, a.last_at).bind(3, a.source).bind(4, a.kind).bind(5, a.message);
  s.bind(6, a.count);
  if (auto done = s.run(); !done) return Error{done.error()};
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<void> AuditStore::repeat_alert(std::int64_t id, Nanos at) {
  Statement s(db_, "UPDATE alerts SET count = count + 1, last_at = ? WHERE id = ?");
  s.bind(1, at).bind(2, id);
  return s.run();
}

Result<std::vector<AlertRow>> AuditStore::alerts(Nanos since, std::size_t limit) const {
  const std::string sql =
      std::string(kAlertColumns) + "WHERE last_at >= ? ORDER BY last_at DESC, id DESC LIMIT ?";
  Statement s(db_, sql.c_str());
  s.bind(1, since).bind(2, static_cast<std::int64_t>(limit));
  return all_rows<AlertRow>(s, alert_row);
}

Result<void> AuditStore::save_triage_report(const TriageReportRow& r) {
  Statement s(db_,
              "INSERT OR REPLACE INTO triage_reports (report_id, generated_at, "
              "analysis_period_start, analysis_period_end, failure_categories, "
              "patch_suggestions, github_issues, policy, trigger, report) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, r.id).bind(2, r.generated_at).bind(3, r.period_start).bind(4, r.period_end);
  s.bind(5, r.failure_categories).bind(6, r.patch_suggestions).bind(7, r.github_issues);
  s.bind(8, r.policy).bind(9, r.trigger).bind(10, r.report);
  return s.run();
}

Result<std::vector<TriageReportRow>> AuditStore::triage_reports(std::size_t limit) const {
  const std::string sql =
      std::string(kReportColumns) + "ORDER BY generated_at DESC, report_id DESC LIMIT ?";
  Statement s(db_, sql.c_str());
  s.bind(1, static_cast<std::int64_t>(limit));
  return all_rows<TriageReportRow>(s, report_row);
}

Result<std::optional<TriageReportRow>> AuditStore::triage_report(const std::string& id) const {
  const std::string sql = std::string(kReportColumns) + "WHERE report_id = ?";
  Statement s(db_, sql.c_str());
  s.bind(1, id);
  return first_row<TriageReportRow>(s, report_row);
}

}  // namespace setpoint

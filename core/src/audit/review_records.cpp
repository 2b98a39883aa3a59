// The decision marks' table (schema version 9) and the dry-run review's reading of the
// decisions: one SQL pass that groups them, so a fortnight of a policy that decides every
// second (over a million records) is summed by SQLite, never held in memory.
#include "setpoint/audit/audit_store.hpp"
#include "statement.hpp"

namespace setpoint {
namespace {

using sql::all_rows;
using sql::first_row;
using sql::Statement;

// `v` is what would have been set (what was proposed, when the guard blocked it); `num` says
// the parameter is a number (a bool's or an enum's proposal is JSON true or "name", though its
// current and value are recorded in numeric form) and both sides are finite numbers (a damaged
// record's text or huge values count, without a step).
constexpr const char* kReviewSql =
    "WITH d AS ("
    "  SELECT id, at, policy, target, kind, mode, outcome,"
    "    CASE WHEN outcome = 'blocked' THEN verdict_reason ELSE '' END AS reason,"
    "    json_extract(record, '$.current') AS c,"
    "    CASE WHEN outcome = 'blocked' THEN json_extract(record, '$.proposed')"
    "         ELSE json_extract(record, '$.value') END AS v,"
    "    json_type(record, '$.proposed') IN ('integer', 'real') AND"
    "    json_type(record, '$.current') IN ('integer', 'real') AND"
    "    json_type(record, CASE WHEN outcome = 'blocked' THEN '$.proposed' ELSE '$.value' END)"
    "      IN ('integer', 'real') AND"
    "    abs(json_extract(record, '$.current')) < 1e300 AND"
    "    abs(json_extract(record, CASE WHEN outcome = 'blocked' THEN '$.proposed'"
    "                                  ELSE '$.value' END)) < 1e300 AS num"
    "  FROM decisions"
    "  WHERE at >= ? AND at < ? AND mode IN ('observe', 'advise')"
    "    AND outcome IN ('shadow', 'advised', 'blocked') AND json_valid(record))"
    "SELECT d.policy, d.target, d.kind, d.mode, d.outcome, d.reason, COUNT(*),"
    "  TOTAL(num AND v > c), TOTAL(num AND v < c),"
    "  TOTAL(CASE WHEN num THEN abs(v - c) END), MAX(CASE WHEN num THEN abs(v - c) END),"
    "  TOTAL(CASE WHEN num AND c != 0 THEN abs(v - c) * 1.0 / abs(c) END), TOTAL(num AND c != 0),"
    "  COUNT(m.decision), MIN(d.at), MAX(d.at), TOTAL(num)"
    " FROM d LEFT JOIN decision_marks m ON m.decision = d.id AND m.kind = 'false_positive'"
    " GROUP BY d.policy, d.target, d.kind, d.mode, d.outcome, d.reason"
    " ORDER BY d.policy, d.target, d.kind, d.mode, d.outcome, d.reason";

ReviewGroup review_row(const Statement& r) {
  ReviewGroup g;
  g.policy = r.text(0);
  g.target = r.text(1);
  g.kind = r.text(2);
  g.mode = r.text(3);
  g.outcome = r.text(4);
  g.reason = r.text(5);
  g.count = r.integer(6);
  g.up = static_cast<std::int64_t>(r.real(7));
  g.down = static_cast<std::int64_t>(r.real(8));
  g.step_sum = r.real(9);
  g.step_max = std::isnan(r.real(10)) ? 0 : r.real(10);  // NULL: none was numeric
  g.relative_sum = r.real(11);
  g.relative_count = static_cast<std::int64_t>(r.real(12));
  g.marked = r.integer(13);
  g.first = r.integer(14);
  g.last = r.integer(15);
  g.numeric = static_cast<std::int64_t>(r.real(16));
  return g;
}

}  // namespace

Result<void> AuditStore::mark_decision(const DecisionMark& m) {
  Statement s(db_,
              "INSERT OR REPLACE INTO decision_marks (decision, kind, note, marked_by, marked_at) "
              "VALUES (?, ?, ?, ?, ?)");
  s.bind(1, m.decision).bind(2, m.kind).bind(3, m.note).bind(4, m.by).bind(5, m.at);
  return s.run();
}

Result<void> AuditStore::unmark_decision(std::int64_t decision) {
  Statement s(db_, "DELETE FROM decision_marks WHERE decision = ?");
  s.bind(1, decision);
  return s.run();
}

Result<std::optional<DecisionMark>> AuditStore::decision_mark(std::int64_t decision) const {
  Statement s(db_,
              "SELECT decision, kind, note, marked_by, marked_at FROM decision_marks "
              "WHERE decision = ?");
  s.bind(1, decision);
  return first_row<DecisionMark>(s, [](const Statement& r) {
    return DecisionMark{r.integer(0), r.text(1), r.text(2), r.text(3), r.integer(4), "", ""};
  });
}

Result<std::vector<DecisionMark>> AuditStore::decision_marks(Nanos since, Nanos until,
                                                             std::size_t limit) const {
  Statement s(db_,
              "SELECT m.decision, m.kind, m.note, m.marked_by, m.marked_at, d.policy, d.target "
              "FROM decision_marks m JOIN decisions d ON d.id = m.decision "
              "WHERE d.at >= ? AND d.at < ? ORDER BY m.decision DESC LIMIT ?");
  s.bind(1, since).bind(2, until).bind(3, static_cast<std::int64_t>(limit));
  return all_rows<DecisionMark>(s, [](const Statement& r) {
    return DecisionMark{r.integer(0), r.text(1), r.text(2), r.text(3),
                        r.integer(4), r.text(5), r.text(6)};
  });
}

Result<std::int64_t> AuditStore::unreadable_decisions(Nanos since, Nanos until) const {
  Statement s(db_,
              "SELECT COUNT(*) FROM decisions WHERE at >= ? AND at < ? AND mode IN "
              "('observe', 'advise') AND NOT json_valid(record)");
  s.bind(1, since).bind(2, until);
  const auto row = first_row<std::int64_t>(s, [](const Statement& r) { return r.integer(0); });
  if (!row) return Error{row.error()};
  return row->value_or(0);
}

Result<std::vector<ReviewGroup>> AuditStore::review_groups(Nanos since, Nanos until) const {
  Statement s(db_, kReviewSql);
  s.bind(1, since).bind(2, until);
  return all_rows<ReviewGroup>(s, review_row);
}

}  // namespace setpoint

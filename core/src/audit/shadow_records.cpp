// The shadow versions' divergences table in the audit store (schema version 10).
#include "setpoint/audit/audit_store.hpp"
#include "statement.hpp"

namespace setpoint {

using sql::all_rows;
using sql::Statement;

Result<std::int64_t> AuditStore::record_divergence(const ShadowDivergenceRow& d) {
  Statement s(db_,
              "INSERT INTO shadow_divergences (at, policy, live_version, shadow_version, target, "
              "live, shadow, at_bound, follows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, d.at).bind(2, d.policy).bind(3, d.live_version).bind(4, d.shadow_version);
  s.bind(5, d.target).bind(6, d.live).bind(7, d.shadow);
  s.bind(8, std::int64_t{d.at_bound}).bind(9, std::int64_t{d.follows});
  if (auto done = s.run(); !done) return Error{done.error()};
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<std::vector<ShadowDivergenceRow>> AuditStore::divergences(const std::string& policy,
                                                                 const std::string& version,
                                                                 std::size_t limit) const {
  Statement s(db_,
              "SELECT id, at, policy, live_version, shadow_version, target, live, shadow, "
              "at_bound, follows FROM shadow_divergences WHERE policy = ? "
              "AND (? = '' OR shadow_version = ?) ORDER BY id DESC LIMIT ?");
  s.bind(1, policy).bind(2, version).bind(3, version).bind(4, static_cast<std::int64_t>(limit));
  return all_rows<ShadowDivergenceRow>(s, [](const Statement& r) {
    return ShadowDivergenceRow{r.integer(0),      r.integer(1),     r.text(2), r.text(3),
                               r.text(4),         r.text(5),        r.text(6), r.text(7),
                               r.integer(8) != 0, r.integer(9) != 0};
  });
}

}  // namespace setpoint

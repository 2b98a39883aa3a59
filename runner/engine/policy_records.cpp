#include "engine/policy_records.hpp"

#include <algorithm>
#include <cmath>

#include "setpoint/base/json_document.hpp"

namespace setpoint::runner {
namespace {

using bindings::Record;
using bindings::RecordValue;
using json = nlohmann::json;

RecordValue seconds(Nanos at) {
  return at == 0 ? RecordValue{} : RecordValue{static_cast<double>(at) / kNanosPerSecond};
}
RecordValue text_or_nil(const std::string& text) {
  return text.empty() ? RecordValue{} : RecordValue{text};
}
// A JSON member as a plain value: strings, finite numbers and booleans; anything else nil.
RecordValue plain(const json& doc, const char* key) {
  if (!doc.is_object() || !doc.contains(key)) return {};
  const json& v = doc[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number() && std::isfinite(v.get<double>())) return v.get<double>();
  return {};
}

Record decision_record(const StoredDecision& d) {
  const json doc = parse_own_json(d.json);
  return {{{"id", static_cast<double>(d.id)},
           {"at", seconds(d.at)},
           {"policy", d.policy},
           {"parameter", d.target},
           {"kind", plain(doc, "kind")},
           {"verdict", d.verdict},
           {"verdict_reason", plain(doc, "verdict_reason")},
           {"outcome", text_or_nil(d.outcome)},
           {"mode", plain(doc, "mode")},
           {"proposed", plain(doc, "proposed")},
           {"current", plain(doc, "current")},
           {"value", plain(doc, "value")},
           {"reason", plain(doc, "reason")},
           {"explain", plain(doc, "explain")},
           {"detail", plain(doc, "detail")},
           {"cycle", plain(doc, "cycle")}}};
}

Record cycle_record(const CycleRow& c) {
  const json outcome = parse_own_json(c.outcome);
  const bool listed =
      outcome.is_object() && outcome.contains("changes") && outcome["changes"].is_array();
  return {{{"id", c.id},
           {"policy", c.policy},
           {"started_at", seconds(c.started_at)},
           {"completed_at", seconds(c.completed_at)},
           {"status", c.status},
           {"error", text_or_nil(c.error)},
           {"changes", static_cast<double>(listed ? outcome["changes"].size() : 0)}}};
}

Record rollout_record(const RolloutRow& r) {
  return {{{"id", r.id},
           {"parameter", r.parameter},
           {"status", r.status},
           {"step", static_cast<double>(r.step + 1)},
           {"weight", r.traffic_percentage},
           {"baseline", r.baseline_value},
           {"canary", r.canary_value},
           {"decision", static_cast<double>(r.decision)},
           {"cycle", text_or_nil(r.cycle)},
           {"started_at", seconds(r.started_at)},
           {"completed_at", seconds(r.completed_at)},
           {"verdict", text_or_nil(r.recommendation)},
           {"p", r.statistical_significance},
           {"reason", r.reason}}};
}

Record drift_record(const DriftEventRow& e) {
  return {{{"id", static_cast<double>(e.id)},
           {"at", seconds(e.at)},
           {"kind", e.kind},
           {"target", e.target},
           {"detail", e.detail},
           {"resolved_at", seconds(e.resolved_at)}}};
}

Record incident(Nanos at, const std::string& kind, const std::string& target,
                const std::string& detail, RecordValue ref, RecordValue policy = {},
                std::int64_t count = 1) {
  return {{{"at", seconds(at)},
           {"kind", kind},
           {"target", target},
           {"detail", detail},
           {"ref", std::move(ref)},
           {"policy", std::move(policy)},
           {"count", static_cast<double>(count)}}};
}

// What went wrong, whatever recorded it: values rolled back (by a validation, an impact check
// or an operator; `policy` says which), actuations that failed, canaries rolled back, drift
// events, and alerts (a policy's ctx:alert, its errors and quarantines — kinds alert,
// policy_error, quarantine — and the autopilot's, as autopilot_<kind>).
Result<std::vector<Record>> incidents(const AuditStore& store, const bindings::RecordQuery& q) {
  std::vector<std::pair<Nanos, Record>> all;
  for (const char* outcome : {"rolled back", "failed"}) {  // as the decisions table spells them
    DecisionQuery dq;
    dq.since = q.since;
    dq.outcome = outcome;
    dq.limit = q.limit;
    dq.newest_first = true;
    const auto rows = store.decisions(dq);
    if (!rows) return Error{rows.error()};
    for (const auto& d : *rows) {
      const json doc = parse_own_json(d.json);
      const std::string detail = doc.is_object() ? doc.value("detail", "") : "";
      all.emplace_back(d.at, incident(d.at, outcome[0] == 'r' ? "rollback" : "actuation_failed",
                                      d.target, detail, static_cast<double>(d.id), d.policy));
    }
  }
  const auto rollouts = store.rollouts("rolled_back", "", q.limit, q.since);
  if (!rollouts) return Error{rollouts.error()};
  for (const auto& r : *rollouts) {
    const Nanos at = r.completed_at ? r.completed_at : r.started_at;
    all.emplace_back(at, incident(at, "canary_rollback", r.parameter, r.reason, r.id));
  }
  const auto drifts = store.drift_events_since(q.since, q.limit);
  if (!drifts) return Error{drifts.error()};
  for (const auto& e : *drifts)
    all.emplace_back(e.at, incident(e.at, "drift", e.target, e.detail, static_cast<double>(e.id)));
  const auto alerts = store.alerts(q.since, q.limit);
  if (!alerts) return Error{alerts.error()};
  for (const auto& a : *alerts) {
    const bool engine_own = a.source == "autopilot" || a.source == "engine";
    all.emplace_back(a.last_at,
                     incident(a.last_at, engine_own ? a.source + "_" + a.kind : a.kind, a.source,
                              a.message, static_cast<double>(a.id),
                              engine_own ? RecordValue{} : RecordValue{a.source}, a.count));
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Record> out;
  for (std::size_t i = 0; i < all.size() && i < q.limit; ++i)
    out.push_back(std::move(all[i].second));
  return out;
}

template <typename Row>
Result<std::vector<Record>> each(const Result<std::vector<Row>>& rows, Record (*make)(const Row&)) {
  if (!rows) return Error{rows.error()};
  std::vector<Record> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) out.push_back(make(row));
  return out;
}

}  // namespace

Result<std::vector<Record>> read_records(const AuditStore& store, const bindings::RecordQuery& q) {
  using bindings::RecordKind;
  switch (q.kind) {
    case RecordKind::kDecisions: {
      DecisionQuery dq;
      dq.since = q.since;
      dq.policy = q.policy;
      dq.target = q.parameter;
      dq.verdict = q.verdict;
      dq.limit = q.limit;
      dq.newest_first = true;
      return each(store.decisions(dq), decision_record);
    }
    case RecordKind::kCycles: return each(store.cycles("", "", q.limit, q.since), cycle_record);
    case RecordKind::kRollouts:
      return each(store.rollouts("", "", q.limit, q.since), rollout_record);
    case RecordKind::kDriftEvents:
      return each(store.drift_events_since(q.since, q.limit), drift_record);
    case RecordKind::kIncidents: return incidents(store, q);
  }
  return Error{"no such record"};
}

}  // namespace setpoint::runner

#include "engine/parameter_history.hpp"

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::runner {

Result<std::vector<ParameterVersion>> parameter_versions(const AuditStore& store,
                                                         const std::string& parameter,
                                                         std::size_t limit) {
  DecisionQuery q;
  q.target = parameter;
  q.newest_first = true;
  q.limit = 10'000;
  auto found = store.decisions(q);
  if (!found) return Error{found.error()};
  std::vector<ParameterVersion> out;
  for (const StoredDecision& d : *found) {
    if (out.size() >= limit) break;
    const auto outcome = parse_outcome(d.outcome);
    if (!outcome || !took_effect(*outcome)) continue;  // blocked, shadows, intents: no value
    const nlohmann::json r = parse_own_json(d.json);
    if (!r.is_object() || !r.contains("value") || !r["value"].is_number()) continue;
    ParameterVersion v;
    v.decision = d.id;
    v.at = d.at;
    v.number = r["value"].get<double>();
    v.value = dump(r["value"]);
    v.version = value_version(parameter, v.value);
    v.by = d.policy;
    v.cycle = r.value("cycle", "");
    v.rationale = r.value("reason", "");
    v.outcome = d.outcome;
    out.push_back(std::move(v));
  }
  return out;
}

nlohmann::json versions_json(const std::vector<ParameterVersion>& versions) {
  nlohmann::json out = nlohmann::json::array();
  for (const ParameterVersion& v : versions) {
    out.push_back({{"version", v.version},
                   {"decision", v.decision},
                   {"at", format_rfc3339(v.at)},
                   {"value", parse_own_json(v.value)},
                   {"by", v.by},
                   {"cycle", v.cycle.empty() ? nlohmann::json() : nlohmann::json(v.cycle)},
                   {"rationale", v.rationale},
                   {"outcome", v.outcome}});
  }
  return out;
}

}  // namespace setpoint::runner

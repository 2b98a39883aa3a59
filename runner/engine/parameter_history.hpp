#pragma once
// A parameter's history: every value applied to it (by a policy, a cycle, an operator, a
// rollback), newest first, each a version named by its content (value_version). What
// `setpoint history PARAM` lists and `setpoint rollback PARAM --to VERSION` goes back to.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "setpoint/audit/audit_store.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint::runner {

struct ParameterVersion {
  std::string version;  // value_version of the value
  std::int64_t decision = 0;
  Nanos at = 0;
  std::string value;  // JSON
  double number = 0;  // the value in the guard's numeric form
  std::string by;     // the policy, operator:<name>, setpoint:verify, setpoint:autopilot
  std::string cycle;  // the autopilot cycle that made it, if one did
  std::string rationale;
  std::string outcome;  // applied, rolled back
};

// The newest `limit` versions (reading at most 10,000 of its decisions).
Result<std::vector<ParameterVersion>> parameter_versions(const AuditStore& store,
                                                         const std::string& parameter,
                                                         std::size_t limit = 1000);
nlohmann::json versions_json(const std::vector<ParameterVersion>& versions);

}  // namespace setpoint::runner

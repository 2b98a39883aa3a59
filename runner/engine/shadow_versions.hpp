#pragma once
// Shadow versions as the engine runs them. A new version of a policy file that the shadow rule
// picks (policies.shadow, its override, or `-- setpoint: shadow` on the file's first line)
// runs beside the live one, in observe mode: evaluated right after it on the same inputs, with
// a guard of its own (ShadowRun::guard follows the live guard but for the trajectory its own
// would-be changes drew), never an actuator. Each evaluation's would-be effects are compared
// with the live decisions' per target, and every divergence is counted and recorded. After
// the period it is promoted if it diverged at most policies.shadow_max_divergences times and
// never to a hard bound; else it is held for an operator (promote or discard).
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "setpoint/audit/decision.hpp"
#include "setpoint/audit/shadow_records.hpp"
#include "setpoint/guard/guard.hpp"

namespace setpoint::runner {

struct ShadowRun {
  std::string file, policy;
  std::string live_version, version;  // the sources' hashes
  std::string live_source;            // kept in the store, so a restart runs it again
  Nanos since = 0, until = 0;
  std::optional<Guard> guard;  // its own trajectory
  std::uint64_t evaluations = 0, divergences = 0, root_divergences = 0, at_bound = 0;
  bool held = false;  // its period is over and it diverged: an operator decides
  std::deque<ShadowDivergenceRow> recent;  // the last few, for /v1/policies
};

// What the shadow's proposal came to with its own guard.
struct ShadowOutcome {
  Proposal proposal;
  Verdict verdict;
};

// One evaluation's divergences: per target (and kind), what the live decisions would do
// against what the shadow's outcomes would, where the two differ in effect — a different value
// set, action run, or bounds suggested; or one side doing something and the other nothing. A
// blocked proposal does nothing, whatever the reason. `apart` are the targets whose two sides
// already stood at different values before this evaluation (the divergence follows from an
// earlier one). Rows carry at, target, live, shadow, at_bound and follows; the caller names
// the policy and versions.
std::vector<ShadowDivergenceRow> diverging(const std::vector<Decision>& live,
                                           const std::vector<ShadowOutcome>& shadow,
                                           const Guard& guard, const std::set<std::string>& apart,
                                           Nanos at);

// The run's record in the store's state (all but its guard), and read back; none when the
// text is not one (a damaged row).
std::string shadow_run_json(const ShadowRun& run);
std::optional<ShadowRun> parse_shadow_run(const std::string& json);

}  // namespace setpoint::runner

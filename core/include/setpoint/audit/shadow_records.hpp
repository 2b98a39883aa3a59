#pragma once
// What the store keeps of shadow versions: each divergence between a policy's live version and
// the new version running beside it — when, which target, what each would have done — so an
// operator deciding to promote or discard reads the evidence, not only a count.
#include <cstdint>
#include <string>

#include "setpoint/base/clock.hpp"

namespace setpoint {

struct ShadowDivergenceRow {
  std::int64_t id = 0;  // assigned by the store
  Nanos at = 0;
  std::string policy;
  std::string live_version, shadow_version;  // the sources' hashes
  std::string target;
  std::string live, shadow;  // what each would have done, as a sentence
  bool at_bound = false;     // the shadow would have put the target at a hard bound
  bool follows = false;      // the two already stood at different values: a consequence
};

}  // namespace setpoint

#pragma once
// A new version of a policy file, prepared off the engine thread: read, hashed, compiled in a
// fresh state under the full limits, its metadata checked and its own `<name>_test.lua` run
// through the gate. Preparing touches nothing the engine owns, so it can run on any thread;
// only the swap (PolicyFolder) happens on the engine thread.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "setpoint/base/result.hpp"
#include "setpoint/bindings/policy_info.hpp"

namespace setpoint::bindings {

// A policy file, a policy's tests and a stdlib module are source text of a few KiB; a larger
// file is refused before it is read (a policy folder is hostile ground too).
constexpr std::size_t kMaxPolicyFileBytes = 1u << 20;

struct LivePolicy {
  PolicyInfo info;
  std::string hash;    // SHA-256 of the source
  std::string source;  // kept so a restart while its successor shadows it can run it again
  // The file's first line asks that a new version shadow this one first:
  // `-- setpoint: shadow` (0: for config's period) or `-- setpoint: shadow 1h`.
  std::optional<Nanos> shadow_mark;
  std::unique_ptr<PolicyState> state;
};

// What a first line `-- setpoint: shadow [DURATION]` asks for; none when the line is no such
// mark; an error naming line 1 when it is one with a bad duration.
Result<std::optional<Nanos>> read_shadow_mark(const std::string& source);

// Runs a policy's own tests; an error saying which failed when any does. Called off the
// engine thread, so it must not touch engine state.
using TestGate = std::function<Result<void>(const std::string& test_file)>;

struct Candidate {
  enum class Outcome { kReady, kUnchanged, kGone, kRefused };
  std::string file;  // the file's name inside the folder
  Outcome outcome = Outcome::kRefused;
  LivePolicy policy;  // kReady: the compiled, checked, tested version
  std::string error;  // kRefused: why
};

// A policy's own limits when it has some (config's for its name, or its kind's: a triage
// policy reads a week of the record); none: the defaults.
using LimitsFor = std::function<std::optional<Limits>(const PolicyInfo& policy)>;

struct CandidateSource {
  std::string dir;
  const Stdlib* stdlib = nullptr;
  Limits limits;
  const Clock* clock = nullptr;
  TestGate gate;
  LimitsFor limits_for;
};

// Prepares `file`; `running_hash` is the hash of the version running now ("" if none), so a
// save without a change is kUnchanged.
Candidate prepare_candidate(const CandidateSource& source, const std::string& file,
                            const std::string& running_hash);
// The version a restart finds in the store, not on disk (its successor was shadowing it):
// compiled and checked as a file's, without its tests (they may be the successor's now; this
// version passed its own when it went live).
Candidate prepare_saved(const CandidateSource& source, const std::string& file,
                        const std::string& code);

}  // namespace setpoint::bindings

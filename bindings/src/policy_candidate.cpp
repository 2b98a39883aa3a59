#include "setpoint/bindings/policy_candidate.hpp"

#include <filesystem>

#include "setpoint/base/regular_file.hpp"
#include "setpoint/base/sha256.hpp"

namespace setpoint::bindings {
namespace fs = std::filesystem;

Candidate prepare_candidate(const CandidateSource& source, const std::string& file,
                            const std::string& running_hash) {
  Candidate candidate;
  candidate.file = file;
  const fs::path path = fs::path(source.dir) / file;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    candidate.outcome = Candidate::Outcome::kGone;
    return candidate;
  }
  if (const auto inside = check_inside_folder(source.dir, path.string()); !inside) {
    candidate.error = inside.error();
    return candidate;
  }
  const auto read = read_regular_file(path.string(), kMaxPolicyFileBytes);
  if (!read) {  // refused: a FIFO, a device, too large, unreadable
    candidate.error = read.error();
    return candidate;
  }
  const std::string& code = *read;
  candidate.policy.hash = sha256_hex(code);
  if (candidate.policy.hash == running_hash) {
    candidate.outcome = Candidate::Outcome::kUnchanged;
    return candidate;
  }
  const std::string name = path.stem().string();
  std::unique_ptr<PolicyState> state;
  std::optional<PolicyInfo> info;
  // Compiled under the default limits to learn its name; again under its own, if config has some.
  for (std::optional<Limits> limits = source.limits; limits;) {
    state = std::make_unique<PolicyState>(name, *limits, *source.clock, source.stdlib);
    if (const RunResult loaded = state->load(code, file); !loaded.ok()) {
      candidate.error = loaded.message;
      return candidate;
    }
    std::vector<std::string> problems;
    info = read_policy_info(*state, name, problems);
    if (!info) {
      candidate.error = file + ":";
      for (std::size_t i = 0; i < problems.size(); ++i)
        candidate.error += (i == 0 ? " " : "; ") + problems[i];
      return candidate;
    }
    const auto own = source.limits_for ? source.limits_for(*info) : std::nullopt;
    const bool differs = own && (own->memory != limits->memory || own->cpu != limits->cpu);
    limits = differs ? own : std::nullopt;
  }
  const fs::path tests = fs::path(source.dir) / (name + "_test.lua");
  if (source.gate && fs::exists(tests, ec)) {
    if (const auto inside = check_inside_folder(source.dir, tests.string()); !inside) {
      candidate.error = file + ": its tests cannot run: " + inside.error();
      return candidate;
    }
    if (const auto passed = source.gate(tests.string()); !passed) {
      candidate.error = file + ": its tests fail: " + passed.error();
      return candidate;
    }
  }
  candidate.policy.info = std::move(*info);
  candidate.policy.state = std::move(state);
  candidate.outcome = Candidate::Outcome::kReady;
  return candidate;
}

}  // namespace setpoint::bindings

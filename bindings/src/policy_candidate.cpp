#include "setpoint/bindings/policy_candidate.hpp"

#include <filesystem>

#include "setpoint/base/duration.hpp"
#include "setpoint/base/regular_file.hpp"
#include "setpoint/base/sha256.hpp"

namespace setpoint::bindings {
namespace fs = std::filesystem;

namespace {

// Compiles `code` into the candidate's policy and checks what it says about itself; false,
// with the candidate's error, when it cannot be run.
bool compile(const CandidateSource& source, const std::string& file, const std::string& name,
             const std::string& code, Candidate& candidate) {
  auto mark = read_shadow_mark(code);
  if (!mark) {
    candidate.error = file + ":1: " + mark.error();
    return false;
  }
  std::unique_ptr<PolicyState> state;
  std::optional<PolicyInfo> info;
  // Compiled under the default limits to learn its name; again under its own, if config has some.
  for (std::optional<Limits> limits = source.limits; limits;) {
    state = std::make_unique<PolicyState>(name, *limits, *source.clock, source.stdlib);
    if (const RunResult loaded = state->load(code, file); !loaded.ok()) {
      candidate.error = loaded.message;
      return false;
    }
    std::vector<std::string> problems;
    info = read_policy_info(*state, name, problems);
    if (!info) {
      candidate.error = file + ":";
      for (std::size_t i = 0; i < problems.size(); ++i)
        candidate.error += (i == 0 ? " " : "; ") + problems[i];
      return false;
    }
    const auto own = source.limits_for ? source.limits_for(*info) : std::nullopt;
    const bool differs = own && (own->memory != limits->memory || own->cpu != limits->cpu);
    limits = differs ? own : std::nullopt;
  }
  candidate.policy.info = std::move(*info);
  candidate.policy.state = std::move(state);
  candidate.policy.source = code;
  candidate.policy.shadow_mark = *mark;
  return true;
}

}  // namespace

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
  if (!compile(source, file, name, code, candidate)) return candidate;
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
  candidate.outcome = Candidate::Outcome::kReady;
  return candidate;
}

Candidate prepare_saved(const CandidateSource& source, const std::string& file,
                        const std::string& code) {
  Candidate candidate;
  candidate.file = file;
  if (code.size() > kMaxPolicyFileBytes) {
    candidate.error = file + ": the saved version is larger than a policy file may be";
    return candidate;
  }
  candidate.policy.hash = sha256_hex(code);
  if (compile(source, file, fs::path(file).stem().string(), code, candidate))
    candidate.outcome = Candidate::Outcome::kReady;
  return candidate;
}

Result<std::optional<Nanos>> read_shadow_mark(const std::string& source) {
  std::string_view line(source);
  line = line.substr(0, line.find('\n'));
  if (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // a BOM
  const auto skip_blanks = [&line] {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
  };
  if (line.substr(0, 2) != "--") return std::optional<Nanos>{};
  line.remove_prefix(2);
  skip_blanks();
  constexpr std::string_view kMark = "setpoint: shadow";
  if (line.substr(0, kMark.size()) != kMark) return std::optional<Nanos>{};
  line.remove_prefix(kMark.size());
  if (!line.empty() && line.front() != ' ' && line.front() != '\t')
    return std::optional<Nanos>{};  // "setpoint: shadowy" is a comment, not a mark
  skip_blanks();
  if (line.empty()) return std::optional<Nanos>{0};
  const auto period = parse_duration(line);
  if (!period || *period < kNanosPerSecond || *period > 30 * 24 * 3600 * kNanosPerSecond)
    return Error{"-- setpoint: shadow takes a duration from 1s to 30d (like 30m), not '" +
                 std::string(line.substr(0, 40)) + "'"};
  return std::optional<Nanos>{*period};
}

}  // namespace setpoint::bindings

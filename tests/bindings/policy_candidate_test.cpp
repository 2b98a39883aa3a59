// A new version of a policy file prepared off the engine thread: read, hashed, compiled,
// checked and gated by its own tests, or refused with the reason.
#include "setpoint/bindings/policy_candidate.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "setpoint/base/sha256.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::bindings;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

const char* kPolicy = "return { name = 'p', every = '1s', evaluate = function(ctx) end }";

struct Folder {
  TempDir dir;
  SystemClock clock;
  std::vector<std::string> gated;  // the test files the gate was asked to run
  std::string gate_says;           // the failures it reports; none: the tests pass
  CandidateSource source() {
    CandidateSource s;
    s.dir = dir.path().string();
    s.clock = &clock;
    s.gate = [this](const std::string& tests) -> Result<void> {
      gated.push_back(tests);
      if (gate_says.empty()) return {};
      return Error{gate_says};
    };
    return s;
  }
};

}  // namespace

TEST_CASE("policy candidate: a good file is ready, compiled, with its hash and metadata") {
  Folder f;
  write_file(f.dir.file("p.lua"), kPolicy);
  const Candidate c = prepare_candidate(f.source(), "p.lua", "");
  REQUIRE(c.outcome == Candidate::Outcome::kReady);
  CHECK(c.error.empty());
  CHECK(c.policy.hash == sha256_hex(kPolicy));
  CHECK(c.policy.info.name == "p");
  CHECK(c.policy.state != nullptr);
  CHECK(f.gated.empty());  // no p_test.lua: nothing to gate on
}

TEST_CASE("policy candidate: the same bytes again are unchanged; a file gone is gone") {
  Folder f;
  write_file(f.dir.file("p.lua"), kPolicy);
  CHECK(prepare_candidate(f.source(), "p.lua", sha256_hex(kPolicy)).outcome ==
        Candidate::Outcome::kUnchanged);
  CHECK(prepare_candidate(f.source(), "gone.lua", "").outcome == Candidate::Outcome::kGone);
}

TEST_CASE("policy candidate: a syntax error, bad metadata or failing tests refuse it, saying why") {
  Folder f;
  write_file(f.dir.file("broken.lua"), "return {");
  Candidate c = prepare_candidate(f.source(), "broken.lua", "");
  CHECK(c.outcome == Candidate::Outcome::kRefused);
  CHECK(c.error.find("broken.lua") != std::string::npos);
  CHECK(c.policy.state == nullptr);

  write_file(f.dir.file("nameless.lua"), "return { evaluate = 5 }");
  c = prepare_candidate(f.source(), "nameless.lua", "");
  CHECK(c.outcome == Candidate::Outcome::kRefused);
  CHECK(c.error.rfind("nameless.lua: ", 0) == 0);

  write_file(f.dir.file("p.lua"), kPolicy);
  write_file(f.dir.file("p_test.lua"), "-- its tests");
  f.gate_says = "1 failed: limit went up";
  c = prepare_candidate(f.source(), "p.lua", "");
  CHECK(c.outcome == Candidate::Outcome::kRefused);
  CHECK(c.error == "p.lua: its tests fail: 1 failed: limit went up");
  REQUIRE(f.gated.size() == 1);
  CHECK(f.gated[0] == f.dir.file("p_test.lua"));
  f.gate_says.clear();
  CHECK(prepare_candidate(f.source(), "p.lua", "").outcome == Candidate::Outcome::kReady);
}

TEST_CASE(
    "policy candidate: a file that leads out of the folder, or is no regular file, is refused") {
  Folder f;
  TempDir elsewhere;
  write_file(elsewhere.file("secret.lua"), kPolicy);
  std::filesystem::create_symlink(elsewhere.file("secret.lua"), f.dir.file("link.lua"));
  Candidate c = prepare_candidate(f.source(), "link.lua", "");
  CHECK(c.outcome == Candidate::Outcome::kRefused);
  CHECK_FALSE(c.error.empty());
  std::filesystem::create_directory(f.dir.file("dir.lua"));
  c = prepare_candidate(f.source(), "dir.lua", "");
  CHECK(c.outcome == Candidate::Outcome::kRefused);
  CHECK(c.error.find("is a directory, not a regular file") != std::string::npos);
}

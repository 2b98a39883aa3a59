// The tokens file: named bearer tokens and their roles, read strictly.
#include "config/tokens.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "setpoint/base/sha256.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

// The load's error for a tokens file holding `yaml`.
std::string error_of(const TempDir& dir, const std::string& yaml) {
  write_file(dir.file("tokens.yaml"), yaml);
  const auto tokens = Tokens::load(dir.file("tokens.yaml"));
  if (tokens) return "(loaded)";
  return tokens.error();
}

}  // namespace

TEST_CASE("tokens: each role allows what the one before it does; ingest may only post events") {
  CHECK(allows(Role::kAdmin, Role::kOperator));
  CHECK(allows(Role::kOperator, Role::kViewer));
  CHECK_FALSE(allows(Role::kViewer, Role::kOperator));
  CHECK_FALSE(allows(Role::kOperator, Role::kAdmin));
  CHECK(allows(Role::kIngest, Role::kIngest));
  CHECK_FALSE(allows(Role::kIngest, Role::kViewer));
  CHECK_FALSE(allows(Role::kViewer, Role::kIngest));  // a viewer reads, never writes
  CHECK(allows(Role::kOperator, Role::kIngest));
  CHECK(std::string(role_name(Role::kOperator)) == "operator");
}

TEST_CASE("tokens: a token given as itself, from the environment, or as its SHA-256 is found") {
  TempDir dir;
  ::setenv("SETPOINT_TEST_CI_TOKEN", "ci-token-0123456789", 1);
  write_file(dir.file("tokens.yaml"),
             "tokens:\n"
             "  - { name: ci, role: operator, token: \"${SETPOINT_TEST_CI_TOKEN}\" }\n"
             "  - { name: alice, role: admin, sha256: " +
                 sha256_hex("alice-token-0123456789") + " }\n");
  const auto tokens = Tokens::load(dir.file("tokens.yaml"));
  ::unsetenv("SETPOINT_TEST_CI_TOKEN");
  REQUIRE(tokens);
  const auto ci = tokens->find("ci-token-0123456789");
  REQUIRE(ci);
  CHECK(ci->name == "ci");
  CHECK(ci->role == Role::kOperator);
  const auto alice = tokens->find("alice-token-0123456789");
  REQUIRE(alice);
  CHECK(alice->role == Role::kAdmin);
  CHECK_FALSE(tokens->find("ci-token-012345678"));  // a prefix is not the token
  CHECK_FALSE(tokens->find(""));
  CHECK(Tokens::none().empty());
}

TEST_CASE("tokens: each mistake is refused with its place and what to give instead") {
  TempDir dir;
  const std::string at = dir.file("tokens.yaml");
  CHECK(error_of(dir, "tokens: 3\n") ==
        at + ":1:9: tokens: expected a list of {name, role, token or sha256}");
  CHECK(error_of(dir, "tokens:\n  - { name: a }\n") ==
        at + ":2:5: tokens[0]: needs a name and a role");
  CHECK(error_of(dir, "tokens:\n  - { name: a, role: root, token: \"0123456789abcdef\" }\n") ==
        at + ":2:22: tokens[0].role: expected viewer, operator, admin or ingest");
  CHECK(error_of(dir, "tokens:\n  - { name: a, role: admin, token: short }\n") ==
        at + ":2:36: tokens[0].token: a token must have at least 16 characters");
  CHECK(error_of(dir, "tokens:\n  - { name: a, role: admin }\n") ==
        at + ":2:5: tokens[0]: needs a token or its sha256");
  CHECK(error_of(dir,
                 "tokens:\n  - { name: a, role: admin, token: \"0123456789abcdef\", sha256: "
                 "x }\n") == at + ":2:5: tokens[0]: give token or sha256, not both");
}

TEST_CASE("the tokens file refuses a key given twice") {
  setpoint::testing::TempDir dir;
  write_file(
      dir.file("tokens.yaml"),
      "tokens:\n  - { name: ci, role: viewer, token: \"0123456789abcdefXYZ\", role: admin }\n");
  const auto tokens = Tokens::load(dir.file("tokens.yaml"));
  REQUIRE(!tokens.ok());
  CHECK(tokens.error() == dir.file("tokens.yaml") +
                              ":2:61: key \"role\" is given twice in one mapping "
                              "(first at line 2); YAML keeps only one of them");
}

TEST_CASE(
    "the tokens file refuses one token under two names: the role it got depended on the order") {
  setpoint::testing::TempDir dir;
  write_file(dir.file("tokens.yaml"),
             "tokens:\n  - { name: a, role: viewer, token: \"0123456789abcdefXYZ\" }\n"
             "  - { name: b, role: admin, token: \"0123456789abcdefXYZ\" }\n");
  const auto tokens = Tokens::load(dir.file("tokens.yaml"));
  REQUIRE(!tokens.ok());
  CHECK(tokens.error() == dir.file("tokens.yaml") +
                              ":3:5: tokens[1]: the same token as \"a\" (each name needs its own)");
}

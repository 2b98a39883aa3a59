#pragma once
// Who may do what on the control plane. The tokens file (YAML) lists named bearer tokens and
// their roles:
//
//   tokens:
//     - { name: alice, role: admin,    sha256: 9f86d08… }   # the token's SHA-256, hex
//     - { name: ci,    role: operator, token: "${CI_TOKEN}" }  # or the token itself, from the env
//                                                              # (quoted: { and } end a flow map)
//
// Roles, each allowing what the one before it does: viewer (reads), operator (pause, resume,
// approve, reject, reload, post events), admin (override, rollback). `ingest` may only post
// events. A presented token is hashed and compared with every entry in constant time, so
// neither a token's prefix nor its length can be learned from response times.
#include <array>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "setpoint/base/result.hpp"

namespace setpoint::runner {

enum class Role { kIngest, kViewer, kOperator, kAdmin };
const char* role_name(Role role);
// Whether `role` may do what `needed` allows.
bool allows(Role role, Role needed);

struct Token {
  std::string name;
  Role role = Role::kViewer;
  std::array<unsigned char, 32> hash{};  // SHA-256 of the token
};

class Tokens {
 public:
  // The tokens in `path`, or "file:line:col: what is wrong".
  static Result<Tokens> load(const std::string& path);
  static Tokens none() { return Tokens(); }

  // The entry a presented bearer token matches, if any.
  std::optional<Token> find(const std::string& presented) const;
  bool empty() const { return tokens_.empty(); }

 private:
  std::vector<Token> tokens_;
};

}  // namespace setpoint::runner

#include "config/tokens.hpp"

#include "config/yaml_reader.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/regular_file.hpp"
#include "setpoint/base/sha256.hpp"

namespace setpoint::runner {
namespace {

std::array<unsigned char, 32> digest(const std::string& token) {
  const std::string hex = sha256_hex(token);
  std::array<unsigned char, 32> out{};
  for (std::size_t i = 0; i < 32; ++i)
    out[i] = static_cast<unsigned char>(*parse_integer(std::string_view(hex).substr(2 * i, 2), 16));
  return out;
}

bool parse_hex(const std::string& hex, std::array<unsigned char, 32>& out) {
  if (hex.size() != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned value = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      const char c = hex[2 * i + j];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
    }
    out[i] = static_cast<unsigned char>(value);
  }
  return true;
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::kIngest: return "ingest";
    case Role::kViewer: return "viewer";
    case Role::kOperator: return "operator";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

bool allows(Role role, Role needed) {
  if (needed == Role::kIngest)
    return role != Role::kViewer;  // posting events: ingest, operator, admin
  if (role == Role::kIngest) return false;
  return static_cast<int>(role) >= static_cast<int>(needed);
}

Result<Tokens> Tokens::load(const std::string& path) {
  const auto text = read_regular_file(path, kMaxConfigBytes);
  if (!text) return Error{text.error()};
  Tokens tokens;
  try {
    YamlReader r(path);
    const YAML::Node root = r.load(*text);
    r.keys(root, "(top level)", {"tokens"});
    const YAML::Node list = root["tokens"];
    if (!list || !list.IsSequence())
      r.fail(list ? list : root, "tokens", "expected a list of {name, role, token or sha256}");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = "tokens[" + std::to_string(i) + "]";
      r.keys(list[i], at, {"name", "role", "token", "sha256"});
      if (!list[i]["name"] || !list[i]["role"]) r.fail(list[i], at, "needs a name and a role");
      Token t;
      t.name = r.string(list[i]["name"], at + ".name");
      const std::string role = r.string(list[i]["role"], at + ".role");
      if (role == "viewer")
        t.role = Role::kViewer;
      else if (role == "operator")
        t.role = Role::kOperator;
      else if (role == "admin")
        t.role = Role::kAdmin;
      else if (role == "ingest")
        t.role = Role::kIngest;
      else
        r.fail(list[i]["role"], at + ".role", "expected viewer, operator, admin or ingest");
      if (list[i]["token"] && list[i]["sha256"])
        r.fail(list[i], at, "give token or sha256, not both");
      if (list[i]["token"]) {
        const std::string token = r.string(list[i]["token"], at + ".token");
        if (token.size() < 16)
          r.fail(list[i]["token"], at + ".token", "a token must have at least 16 characters");
        t.hash = digest(token);
      } else if (list[i]["sha256"]) {
        if (!parse_hex(r.string(list[i]["sha256"], at + ".sha256"), t.hash)) {
          r.fail(list[i]["sha256"], at + ".sha256",
                 "expected 64 hex digits (sha256sum of the token)");
        }
      } else {
        r.fail(list[i], at, "needs a token or its sha256");
      }
      for (const auto& other : tokens.tokens_) {
        if (other.name == t.name)
          r.fail(list[i]["name"], at + ".name", "\"" + t.name + "\" is already a token's name");
        // One secret under two names: which name and role it gets would depend on the order.
        if (other.hash == t.hash)
          r.fail(list[i], at, "the same token as \"" + other.name + "\" (each name needs its own)");
      }
      tokens.tokens_.push_back(std::move(t));
    }
  } catch (const ConfigFault& fault) {
    return Error{std::string(fault.what())};
  } catch (const YAML::Exception& e) {
    return Error{path + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  return tokens;
}

std::optional<Token> Tokens::find(const std::string& presented) const {
  const auto hash = digest(presented);
  std::optional<Token> match;
  // Every entry is compared in full, whatever matched: the time depends on the count only.
  for (const auto& t : tokens_) {
    unsigned char diff = 0;
    for (std::size_t i = 0; i < hash.size(); ++i)
      diff |= static_cast<unsigned char>(hash[i] ^ t.hash[i]);
    const bool same = diff == 0;
    if (same && !match) match = t;
  }
  return match;
}

}  // namespace setpoint::runner

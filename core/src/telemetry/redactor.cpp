#include "setpoint/telemetry/redactor.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace setpoint {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The end of the JSON value starting at `pos`: past a closing quote for a string (honouring
// escapes), else at the next ',', '}' or ']' for a scalar.
std::size_t value_end(std::string_view line, std::size_t pos) {
  if (pos < line.size() && line[pos] == '"') {
    for (std::size_t i = pos + 1; i < line.size(); ++i) {
      if (line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        return i + 1;
      }
    }
    return line.size();
  }
  std::size_t i = pos;
  while (i < line.size() && line[i] != ',' && line[i] != '}' && line[i] != ']') ++i;
  return i;
}

}  // namespace

Redactor::Redactor(std::vector<RedactRule> rules, std::string key)
    : rules_(std::move(rules)), key_(std::move(key)) {}

const RedactRule* Redactor::rule_for(std::string_view field) const {
  for (const auto& rule : rules_) {
    if (rule.field == field) return &rule;
  }
  return nullptr;
}

std::string Redactor::hash(std::string_view value) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "h:";
  for (int i = 0; i < 8; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::string Redactor::redact_text(std::string_view line) const {
  std::string out(line);
  for (const auto& rule : rules_) {
    std::string needle = "\"";
    needle += rule.field;
    needle += '"';
    std::size_t from = 0;
    while ((from = out.find(needle, from)) != std::string::npos) {
      std::size_t pos = from + needle.size();
      while (pos < out.size() && is_space(out[pos])) ++pos;
      if (pos >= out.size() || out[pos] != ':') {
        from += needle.size();
        continue;
      }
      ++pos;
      while (pos < out.size() && is_space(out[pos])) ++pos;
      const std::size_t end = value_end(out, pos);
      std::string_view value(out.data() + pos, end - pos);
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
      std::string replacement = "\"";
      replacement += rule.action == RedactAction::kHash ? hash(value) : std::string("[redacted]");
      replacement += '"';
      out.replace(pos, end - pos, replacement);
      from = pos + replacement.size();
    }
  }
  return out;
}

}  // namespace setpoint

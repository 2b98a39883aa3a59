#pragma once
// Redaction: configured fields (user_id, token, email…) never reach a series key, a log or
// the quarantine file. A field is either dropped or replaced by a keyed hash (HMAC-SHA-256,
// first 16 hex digits), which still lets one count distinct values without knowing them.
#include <string>
#include <string_view>
#include <vector>

namespace setpoint {

enum class RedactAction { kDrop, kHash };

struct RedactRule {
  std::string field;
  RedactAction action = RedactAction::kDrop;
};

class Redactor {
 public:
  Redactor() = default;
  Redactor(std::vector<RedactRule> rules, std::string key);

  bool empty() const { return rules_.empty(); }
  // The rule for a field name, or null.
  const RedactRule* rule_for(std::string_view field) const;
  // "h:" and 16 hex digits of HMAC-SHA-256(key, value).
  std::string hash(std::string_view value) const;
  // A copy of a raw line, valid JSON or not, with the value after every `"field":` of a
  // redacted field replaced by "[redacted]" or its hash. Used for lines that are kept as they
  // came (the quarantine), where no parse can be trusted.
  std::string redact_text(std::string_view line) const;

 private:
  std::vector<RedactRule> rules_;
  std::string key_;
};

}  // namespace setpoint

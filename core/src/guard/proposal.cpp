#include "setpoint/guard/proposal.hpp"

#include "setpoint/base/json_text.hpp"

namespace setpoint {

const char* kind_name(Proposal::Kind kind) {
  switch (kind) {
    case Proposal::Kind::kSet: return "set";
    case Proposal::Kind::kAct: return "act";
    case Proposal::Kind::kBounds: return "bounds";
  }
  return "set";
}

void append_json(std::string& out, const ProposedValue& value) {
  if (const auto* d = std::get_if<double>(&value))
    json_text::append_number(out, *d);
  else if (const auto* b = std::get_if<bool>(&value))
    out += *b ? "true" : "false";
  else
    json_text::append_string(out, std::get<std::string>(value));
}

}  // namespace setpoint

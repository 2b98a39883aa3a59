#include "setpoint/guard/proposal.hpp"

#include "setpoint/base/json_text.hpp"

namespace setpoint {

void append_json(std::string& out, const ProposedValue& value) {
  if (const auto* d = std::get_if<double>(&value))
    json_text::append_number(out, *d);
  else if (const auto* b = std::get_if<bool>(&value))
    out += *b ? "true" : "false";
  else
    json_text::append_string(out, std::get<std::string>(value));
}

}  // namespace setpoint

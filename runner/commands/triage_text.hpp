#pragma once
// A triage report (/v1/triage) as a person reads it: the week in counts per category, the
// worst incidents with the decisions behind them, the bounds patches proposed with their
// rationale, confidence and the command that approves each. Plain text for a terminal, or
// Markdown for a review document; the report is outside input, so every string is made
// printable (and, in Markdown, unable to open a table cell, a link, an image or an HTML tag).
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace setpoint::runner {

std::string triage_text(const nlohmann::json& report, bool markdown);

}  // namespace setpoint::runner

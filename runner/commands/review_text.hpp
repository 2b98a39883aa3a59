#pragma once
// A dry-run review (/v1/review) as a person reads it before moving a policy to enforce: per
// policy, what it would have done over the period and how much of it was marked wrong; per
// target, how often, which way, how far, and what the guard would have blocked and why. Plain
// text for a terminal, or Markdown for a review document.
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace setpoint::runner {

std::string review_text(const nlohmann::json& review, bool markdown);

}  // namespace setpoint::runner

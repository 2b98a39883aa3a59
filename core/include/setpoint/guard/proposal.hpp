#pragma once
// What a policy asks for: set a parameter to a value, or perform a named action. Proposals are
// collected while a policy runs and vetted by the Guard only after it returns.
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace setpoint {

// A value as a policy gives it: a number, a boolean or a string (enum choices, action args).
using ProposedValue = std::variant<double, bool, std::string>;

// The value as JSON (a number, true/false or a string), appended to `out`.
void append_json(std::string& out, const ProposedValue& value);

// What an autopilot change is expected to do: a statistic of a series, and its relative change
// (-0.08: 8 % lower). Checked against the world after the change's verify window.
struct Expected {
  std::string series;  // the series key, e.g. http.server{service=checkout}
  std::string stat;    // a window statistic: p99, error_rate, mean…
  double change = 0;
  bool higher_is_worse = true;  // the policy's better = "lower" (default) or "higher"
};

// A proposal is one of three kinds: set a parameter to a value, perform a named action, or
// patch a parameter's operating bounds (ctx:suggest_bounds) — the last always waits for a
// person, whatever the mode: no policy ever moves a bound on its own.
struct Proposal {
  enum class Kind { kSet, kAct, kBounds } kind = Kind::kSet;
  std::string policy;
  std::string target;  // a parameter (set) or a named action (act)
  ProposedValue value = 0.0;
  std::vector<std::pair<std::string, ProposedValue>> args;  // act
  double bounds_min = 0, bounds_max = 0;                    // bounds: the range suggested
  std::string reason;  // the policy's own words, for the record
  // An autopilot cycle's proposal: the cycle, what it expects and how sure it is (0..1). The
  // guard vets a proposal with a cycle against the parameter's operating bounds too.
  std::string cycle;
  std::optional<Expected> expected;
  std::optional<double> confidence;

  static Proposal set(std::string policy, std::string target, ProposedValue value,
                      std::string reason = {}) {
    Proposal p;
    p.policy = std::move(policy);
    p.target = std::move(target);
    p.value = std::move(value);
    p.reason = std::move(reason);
    return p;
  }
  static Proposal act(std::string policy, std::string target,
                      std::vector<std::pair<std::string, ProposedValue>> args,
                      std::string reason = {}) {
    Proposal p;
    p.kind = Kind::kAct;
    p.policy = std::move(policy);
    p.target = std::move(target);
    p.args = std::move(args);
    p.reason = std::move(reason);
    return p;
  }
  static Proposal bounds(std::string policy, std::string target, double min, double max,
                         std::string rationale = {}) {
    Proposal p;
    p.kind = Kind::kBounds;
    p.policy = std::move(policy);
    p.target = std::move(target);
    p.bounds_min = min;
    p.bounds_max = max;
    p.reason = std::move(rationale);
    return p;
  }
};

const char* kind_name(Proposal::Kind kind);  // set, act, bounds

}  // namespace setpoint

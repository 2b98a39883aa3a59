#include "engine/shadow_versions.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/json_text.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// What a decision would do to its target: `key` compares, `text` is for a person.
struct Effect {
  std::string key;  // empty: nothing
  std::string text = "no proposal";
  bool at_bound = false;
};

std::string number(double v) {
  std::string out;
  json_text::append_number(out, v);
  return out;
}

std::string value_text(const ParameterSpec* spec, double v) {
  if (spec != nullptr && spec->type == ParamType::kBool) return v != 0 ? "true" : "false";
  if (spec != nullptr && spec->type == ParamType::kEnum) {
    const auto i = static_cast<std::size_t>(v);
    if (v >= 0 && i < spec->choices.size()) return spec->choices[i];
  }
  return number(v);
}

std::string args_text(const std::vector<std::pair<std::string, ProposedValue>>& args) {
  std::string out;
  for (const auto& [name, value] : args) {
    if (!out.empty()) out += ", ";
    out += name + "=";
    if (const auto* d = std::get_if<double>(&value))
      out += number(*d);
    else if (const auto* b = std::get_if<bool>(&value))
      out += *b ? "true" : "false";
    else
      out += std::get<std::string>(value);
  }
  return out;
}

Effect effect(const Proposal& p, const Verdict& v, const Guard& guard) {
  Effect e;
  if (!v.allowed()) {
    e.text = "nothing (blocked: " + std::string(name(v.reason)) + ")";
    return e;
  }
  const std::string clamped =
      v.kind == VerdictKind::kClamp ? " (clamped: " + std::string(name(v.reason)) + ")" : "";
  switch (p.kind) {
    case Proposal::Kind::kSet: {
      const ParameterSpec* spec = guard.parameter(p.target);
      e.key = "set " + value_text(spec, v.value);
      e.text = e.key + clamped;
      e.at_bound =
          spec != nullptr && spec->numeric() && (v.value <= spec->min || v.value >= spec->max);
      break;
    }
    case Proposal::Kind::kAct:
      e.key = "run (" + args_text(p.args) + ")";
      e.text = e.key;
      break;
    case Proposal::Kind::kBounds:
      e.key = "suggest bounds [" + number(p.bounds_min) + ", " + number(p.bounds_max) + "]";
      e.text = e.key;
      break;
  }
  return e;
}

using Key = std::pair<int, std::string>;  // kind, target

}  // namespace

std::vector<ShadowDivergenceRow> diverging(const std::vector<Decision>& live,
                                           const std::vector<ShadowOutcome>& shadow,
                                           const Guard& guard, const std::set<std::string>& apart,
                                           Nanos at) {
  // The last proposal for a target in an evaluation is the one that stands.
  std::map<Key, std::pair<Effect, Effect>> sides;
  for (const auto& d : live)
    sides[{static_cast<int>(d.proposal.kind), d.proposal.target}].first =
        effect(d.proposal, d.verdict, guard);
  for (const auto& s : shadow)
    sides[{static_cast<int>(s.proposal.kind), s.proposal.target}].second =
        effect(s.proposal, s.verdict, guard);
  std::vector<ShadowDivergenceRow> rows;
  for (const auto& [key, pair] : sides) {
    const auto& [l, s] = pair;
    if (l.key == s.key) continue;
    ShadowDivergenceRow row;
    row.at = at;
    row.target = key.second;
    row.live = l.text;
    row.shadow = s.text;
    row.at_bound = s.at_bound;
    row.follows = apart.count(key.second) > 0;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string shadow_run_json(const ShadowRun& run) {
  return dump(json{{"file", run.file},
                   {"policy", run.policy},
                   {"live_version", run.live_version},
                   {"version", run.version},
                   {"live_source", run.live_source},
                   {"since", run.since},
                   {"until", run.until},
                   {"evaluations", run.evaluations},
                   {"divergences", run.divergences},
                   {"root_divergences", run.root_divergences},
                   {"at_bound", run.at_bound},
                   {"held", run.held}});
}

std::optional<ShadowRun> parse_shadow_run(const std::string& text) {
  const json j = parse_own_json(text);
  if (!j.is_object()) return std::nullopt;
  ShadowRun run;
  try {
    run.file = j.at("file").get<std::string>();
    run.policy = j.at("policy").get<std::string>();
    run.live_version = j.at("live_version").get<std::string>();
    run.version = j.at("version").get<std::string>();
    run.live_source = j.at("live_source").get<std::string>();
    run.since = j.at("since").get<Nanos>();
    run.until = j.at("until").get<Nanos>();
    run.evaluations = j.at("evaluations").get<std::uint64_t>();
    run.divergences = j.at("divergences").get<std::uint64_t>();
    run.root_divergences = j.at("root_divergences").get<std::uint64_t>();
    run.at_bound = j.at("at_bound").get<std::uint64_t>();
    run.held = j.at("held").get<bool>();
  } catch (const json::exception&) {
    return std::nullopt;
  }
  return run;
}

}  // namespace setpoint::runner

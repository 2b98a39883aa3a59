// The operator's actions, over 400 lines because each is a short function and they share
// the checks of a request body (field, flag, value_json); the autopilot's own two are in
// autopilot_run.cpp.
#include "engine/operator_actions.hpp"

#include <algorithm>
#include <cmath>

#include "engine/engine.hpp"
#include "engine/parameter_history.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// A name from a request, as it may appear in an answer.
std::string shown(const std::string& text) { return utf8::printable(text, 200); }

const json& field(const json& body, const char* name) {
  if (!body.contains(name)) throw Refusal{400, std::string("the body needs \"") + name + "\""};
  return body[name];
}

std::string text_field(const json& body, const char* name) {
  const json& v = field(body, name);
  if (!v.is_string()) throw Refusal{400, std::string("\"") + name + "\" must be a string"};
  return v.get<std::string>();
}

bool flag(const json& body, const char* name) {
  if (!body.contains(name)) return false;
  if (!body[name].is_boolean())
    throw Refusal{400, std::string("\"") + name + "\" must be true or false"};
  return body[name].get<bool>();
}

Nanos duration_field(const json& body, const char* name) {
  const std::string text = text_field(body, name);
  const auto d = text.size() > 64 ? std::nullopt : parse_duration(text);
  if (!d || *d <= 0)
    throw Refusal{400, std::string("\"") + name + "\": \"" + shown(text) +
                           "\" is not a duration like 10m or 1h"};
  return *d;
}

Pause::Scope scope_of(const json& body) {
  const std::string scope = body.contains("scope") ? text_field(body, "scope") : "global";
  if (scope == "global") return Pause::Scope::kGlobal;
  if (scope == "policy") return Pause::Scope::kPolicy;
  if (scope == "parameter") return Pause::Scope::kTarget;
  throw Refusal{400, "\"scope\" must be global, policy or parameter"};
}

std::optional<Direction> direction_of(const json& body) {
  if (!body.contains("direction")) return std::nullopt;
  const std::string d = text_field(body, "direction");
  if (d == "up") return Direction::kUp;
  if (d == "down") return Direction::kDown;
  if (d == "both") return Direction::kBoth;
  throw Refusal{400, "\"direction\" must be up, down or both"};
}

bool has_policy(Engine& e, const std::string& name) {
  for (const auto& [_, live] : e.folder().live()) {
    if (live.info.name == name) return true;
  }
  return false;
}

// The name a pause or resume is about: none for global, else one that exists.
std::string paused_name(Engine& e, Pause::Scope scope, const json& body) {
  if (scope == Pause::Scope::kGlobal) return {};
  const std::string name = text_field(body, "name");
  if (scope == Pause::Scope::kPolicy && !has_policy(e, name)) {
    throw Refusal{404, "no policy " + shown(name) + " is loaded (see setpoint policies)"};
  }
  if (scope == Pause::Scope::kTarget && e.guard().parameter(name) == nullptr &&
      e.guard().action(name) == nullptr) {
    throw Refusal{404,
                  "no parameter or action " + shown(name) + " in config (see setpoint params)"};
  }
  return name;
}

std::int64_t id_of(const std::string& digits) {
  const auto id = digits.size() > 18 ? std::nullopt : parse_integer(digits);
  if (!id || *id <= 0) throw Refusal{404, "no proposal " + shown(digits)};
  return *id;
}

// What an operator gives for a parameter, checked as a proposal's value is checked, then
// against the bounds. Stricter than a policy's on one point: an int takes whole numbers only
// (a person who typed 50.5 meant something; a policy's 50.5 is rounded).
double operator_value(const ParameterSpec& spec, const json& given) {
  ProposedValue value;
  if (given.is_boolean())
    value = given.get<bool>();
  else if (given.is_number())
    value = given.get<double>();
  else if (given.is_string())
    value = given.get<std::string>();
  else
    throw Refusal{400, "\"value\" must be a number, true or false, or one of the choices"};
  if (spec.type == ParamType::kDuration && given.is_string()) {
    const auto d = parse_duration(given.get<std::string>());
    if (!d) throw Refusal{400, spec.name + " is a duration: give seconds or a duration like 30s"};
    value = static_cast<double>(*d) / kNanosPerSecond;
  }
  if (spec.type == ParamType::kInt && given.is_number() &&
      given.get<double>() != std::floor(given.get<double>())) {
    throw Refusal{400, spec.name + " takes whole numbers; " + dump(given) + " is not one"};
  }
  double out = 0;
  if (typed_value(spec, value, out)) {
    std::string wanted = "a finite number";
    if (spec.type == ParamType::kBool) wanted = "true or false";
    if (spec.type == ParamType::kEnum) {
      wanted = "one of";
      for (const auto& c : spec.choices) wanted += " " + c;
    }
    throw Refusal{400, spec.name + " is " + type_name(spec.type) + ": its value must be " + wanted +
                           ", not " + utf8::printable(dump(given), 100)};
  }
  if (spec.numeric() && (out < spec.min || out > spec.max)) {
    throw Refusal{409, dump(given) + " is outside " + spec.name + "'s bounds [" +
                           dump(json(spec.min)) + ", " + dump(json(spec.max)) + "]"};
  }
  return out;
}

// A parameter's value as people write it: the choice for an enum, true/false for a bool.
json value_json(const ParameterSpec& spec, double value) {
  if (spec.type == ParamType::kBool) return value != 0;
  if (spec.type == ParamType::kInt) return static_cast<std::int64_t>(value);
  if (spec.type == ParamType::kEnum) {
    const auto i = static_cast<std::size_t>(value);
    return i < spec.choices.size() ? json(spec.choices[i]) : json(nullptr);
  }
  return value;
}

json record_of(const Decision& d) { return parse_own_json(decision_json(d)); }

// Why a proposal is not waiting any more, from what the store kept of it.
Refusal not_pending(Engine& e, std::int64_t id) {
  if (e.store() == nullptr)
    return {404, "no proposal " + std::to_string(id) + " (see setpoint proposals)"};
  const auto read = e.store()->proposal(id);
  if (!read) return {500, "cannot read proposal " + std::to_string(id) + ": " + read.error()};
  const auto& stored = *read;
  if (!stored) return {404, "no proposal " + std::to_string(id) + " (see setpoint proposals)"};
  const std::string at = format_rfc3339(stored->decided_at);
  const std::string p = "proposal " + std::to_string(id);
  if (stored->status == "approved")
    return {409, p + " was approved already, by " + stored->decided_by + " at " + at};
  if (stored->status == "rejected")
    return {409, p + " was rejected, by " + stored->decided_by + " at " + at};
  if (stored->status == "expired")
    return {409, p + " expired at " + at + " (no answer within engine.proposal_ttl)"};
  if (stored->status == "superseded") {
    const json record = parse_own_json(stored->record);
    const std::string by =
        record.is_object() ? record.value("detail", std::string()) : std::string();
    return {409, p + " was " + (by.empty() ? "superseded by a newer one" : by) +
                     "; see setpoint proposals"};
  }
  return {409, p + " is " + stored->status + ", not waiting"};
}

const PendingProposal& pending(Engine& e, const std::string& digits) {
  const std::int64_t id = id_of(digits);
  const auto it = e.pipeline().pending().find(id);
  if (it == e.pipeline().pending().end()) throw not_pending(e, id);
  return it->second;
}

// The decision a rollback goes back to: the value it applied (by id, or the parameter's last
// change when `last`), never one that was blocked or only proposed.
std::pair<double, std::string> rollback_target(Engine& e, const std::string& parameter,
                                               const json& body) {
  AuditStore& store = *e.store();
  if (flag(body, "last")) {
    DecisionQuery q;
    q.target = parameter;
    q.newest_first = true;
    q.limit = 1000;
    const auto found = store.decisions(q);
    if (!found) throw Refusal{500, "cannot read " + parameter + "'s decisions: " + found.error()};
    for (const auto& d : *found) {
      const auto outcome = parse_outcome(d.outcome);
      if (!outcome || !took_effect(*outcome)) continue;
      const json record = parse_own_json(d.json);
      if (!record.is_object() || !record.contains("current") || !record["current"].is_number())
        continue;
      return {record["current"].get<double>(), "the value before decision " + std::to_string(d.id)};
    }
    throw Refusal{409, parameter + " has no applied change to roll back"};
  }
  if (body.contains("to")) {  // a version: a value's content hash, or its first 6+ digits
    const json& to = field(body, "to");
    const std::string wanted = to.is_string() ? to.get<std::string>() : "";
    const bool hex = std::all_of(wanted.begin(), wanted.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (wanted.size() < 6 || wanted.size() > 12 || !hex)
      throw Refusal{400, "\"to\" must be a version: 6 to 12 hex digits (setpoint history " +
                             shown(parameter) + " lists them)"};
    const auto versions = parameter_versions(store, parameter);
    if (!versions)
      throw Refusal{500, "cannot read " + parameter + "'s history: " + versions.error()};
    const ParameterVersion* found = nullptr;  // the newest application of the version
    for (const ParameterVersion& v : *versions) {
      if (v.version.rfind(wanted, 0) != 0) continue;
      if (found != nullptr && found->version != v.version)
        throw Refusal{409, shown(wanted) + " names more than one version of " + shown(parameter) +
                               " (" + found->version + ", " + v.version + "): give more digits"};
      if (found == nullptr) found = &v;
    }
    if (found == nullptr)
      throw Refusal{404, "no version " + shown(wanted) + " of " + shown(parameter) +
                             " (setpoint history " + shown(parameter) + " lists them)"};
    return {found->number,
            "version " + found->version + " (decision " + std::to_string(found->decision) + ")"};
  }
  const json& given = field(body, "version");
  std::optional<std::int64_t> id;
  if (given.is_number_integer()) id = given.get<std::int64_t>();
  if (given.is_string()) {
    std::string text = given.get<std::string>();
    if (!text.empty() && text.front() == '#') text.erase(0, 1);
    id = text.size() > 18 ? std::nullopt : parse_integer(text);
  }
  if (!id)
    throw Refusal{400,
                  "\"version\" must be a decision id, like 42 or #42 (the # in decision lines and "
                  "setpoint params)"};
  const std::string which = "decision " + std::to_string(*id);
  const auto read = store.decision(*id);
  if (!read) throw Refusal{500, "cannot read " + which + ": " + read.error()};
  const auto& stored = *read;
  if (!stored || stored->target != parameter)
    throw Refusal{404, which + " did not set " + parameter};
  const json record = parse_own_json(stored->json);
  if (!record.is_object() || !record.contains("value") || !record["value"].is_number())
    throw Refusal{409, which + " has no value to go back to"};
  if (const auto outcome = parse_outcome(stored->outcome); !outcome || !took_effect(*outcome)) {
    throw Refusal{
        409,
        which + " did not apply its value " + dump(record["value"]) + " (its outcome: " +
            (stored->outcome.empty() ? std::string("never finished") : stored->outcome) +
            "); roll back to a decision whose outcome is applied (setpoint decisions --target " +
            parameter + ")"};
  }
  return {record["value"].get<double>(), "the value " + which + " applied"};
}

}  // namespace

json pause_changes(Engine& e, const std::vector<std::string>&, const json& body,
                   const std::string&) {
  Pause pause;
  pause.scope = scope_of(body);
  pause.name = paused_name(e, pause.scope, body);
  pause.direction = direction_of(body).value_or(Direction::kBoth);
  if (pause.direction != Direction::kBoth && pause.scope != Pause::Scope::kTarget)
    throw Refusal{400, "a direction applies to a parameter only"};
  if (body.contains("for")) pause.until = e.clock().wall() + duration_field(body, "for");
  e.guard().pause(pause);
  return {{"paused", true},
          {"name", pause.name},
          {"direction", direction_name(pause.direction)},
          {"until", pause.until ? json(format_rfc3339(pause.until)) : json(nullptr)}};
}

json resume_changes(Engine& e, const std::vector<std::string>&, const json& body,
                    const std::string&) {
  const Pause::Scope scope = scope_of(body);
  const std::string name =
      scope == Pause::Scope::kGlobal ? std::string() : text_field(body, "name");
  const std::size_t lifted = e.guard().resume(scope, name, direction_of(body));
  if (lifted == 0) {
    std::string here;
    for (const auto& p : e.guard().pauses()) {
      if (p.scope == scope && p.name == name)
        here += std::string(here.empty() ? "" : ", ") + direction_name(p.direction);
    }
    throw Refusal{404, "nothing is paused for " +
                           (name.empty() ? std::string("everything") : shown(name)) +
                           (here.empty() ? std::string(" (see /v1/pauses)")
                                         : " in that direction; its pauses are: " + here)};
  }
  return {{"resumed", lifted}};
}

json override_parameter(Engine& e, const std::vector<std::string>&, const json& body,
                        const std::string& who) {
  const std::string parameter = text_field(body, "parameter");
  const ParameterSpec* spec = e.guard().parameter(parameter);
  if (spec == nullptr) throw Refusal{404, "no parameter " + shown(parameter) + " in config"};
  const double value = operator_value(*spec, field(body, "value"));
  const Nanos now = e.clock().wall();
  const Nanos until = now + duration_field(body, "for");
  const std::string why =
      body.contains("reason") ? text_field(body, "reason") : "operator override";
  json decision = nullptr;
  if (e.guard().value(parameter) == value) {  // already there: only the pin is new
    e.guard().set_override(parameter, value, until);
  } else {
    const auto d =
        e.pipeline().roll_back(parameter, value, who, "override", utf8::printable(why, 512), now);
    if (!d || d->outcome == DecisionOutcome::kBlocked || d->outcome == DecisionOutcome::kFailed)
      throw Refusal{409, d ? d->detail : "cannot override " + parameter};
    decision = record_of(*d);
    // Pinned once the change is made: a write that failed once left a pin, and a value in
    // `setpoint params` that never reached the target.
    const auto pin = [&e, parameter, value, until](std::optional<DecisionOutcome> outcome) {
      using enum DecisionOutcome;
      if (outcome == kApplied || outcome == kUnknown || outcome == kShadow)
        e.guard().set_override(parameter, value, until);
    };
    if (e.pipeline().in_flight(d->id)) {
      e.when_finished(d->id, [pin](const std::string& record) {
        pin(parse_outcome(parse_own_json(record).value("outcome", std::string())));
      });
    } else {
      pin(d->outcome);
    }
  }
  return {{"parameter", parameter},
          {"value", value_json(*spec, value)},
          {"until", format_rfc3339(until)},
          {"decision", decision}};
}

json approve_proposal(Engine& e, const std::vector<std::string>& captures, const json&,
                      const std::string& who) {
  const PendingProposal& p = pending(e, captures.at(0));
  const Decision& waiting = p.decision;
  // The world moved since: approving it now would not do what the person read.
  if (waiting.proposal.kind == Proposal::Kind::kSet) {
    const auto now_value = e.guard().value(waiting.proposal.target);
    if (now_value && *now_value != waiting.verdict.current) {
      const ParameterSpec* spec = e.guard().parameter(waiting.proposal.target);
      const auto shown_value = [&](double v) {
        return dump(spec != nullptr ? value_json(*spec, v) : json(v));
      };  // 55, not 55.0
      throw Refusal{409, "proposal " + std::to_string(p.id) + " is stale: it changes " +
                             waiting.proposal.target + " from " +
                             shown_value(waiting.verdict.current) + ", which is " +
                             shown_value(*now_value) +
                             " now; wait for a new proposal (setpoint proposals)"};
    }
  }
  const std::int64_t id = p.id;
  const auto approved = e.pipeline().approve(id, who, e.clock().wall());
  if (!approved) throw Refusal{503, "proposal " + std::to_string(id) + ": " + approved.error()};
  const auto& d = *approved;
  if (!d) throw not_pending(e, id);
  return {{"proposal", id}, {"decision", record_of(*d)}};
}

json reject_proposal(Engine& e, const std::vector<std::string>& captures, const json&,
                     const std::string& who) {
  const std::int64_t id = pending(e, captures.at(0)).id;
  const auto rejected = e.pipeline().reject(id, who, e.clock().wall());
  if (!rejected) throw Refusal{503, "proposal " + std::to_string(id) + ": " + rejected.error()};
  return {{"rejected", id}};
}

json roll_back_parameter(Engine& e, const std::vector<std::string>& captures, const json& body,
                         const std::string& who) {
  const std::string parameter = captures.at(0);
  const ParameterSpec* spec = e.guard().parameter(parameter);
  if (spec == nullptr) throw Refusal{404, "no parameter " + shown(parameter) + " in config"};
  if (e.store() == nullptr)
    throw Refusal{409, "this engine keeps no decisions (no state file) to roll back to"};
  const auto [value, which] = rollback_target(e, parameter, body);
  const Nanos now = e.clock().wall();
  // An override is an operator's word: a rollback replaces it only when told to. An earlier
  // rollback's hold is not: a rollback replaces it.
  if (const auto o = e.guard().override_of(parameter);
      o && !o->hold && o->until > now && !flag(body, "replace_override")) {
    throw Refusal{409, parameter + " is pinned by an override at " +
                           dump(value_json(*spec, o->value)) + " until " +
                           format_rfc3339(o->until) +
                           "; pass replace_override (setpoint rollback --replace-override) to "
                           "replace it with the rollback, "
                           "or lift it first (setpoint release " +
                           shown(parameter) + ")"};
  }
  e.guard().clear_override(parameter);
  const auto d =
      e.pipeline().roll_back(parameter, value, who, "rollback", "rollback to " + which, now);
  if (!d || d->outcome == DecisionOutcome::kBlocked || d->outcome == DecisionOutcome::kFailed)
    throw Refusal{409, d ? d->detail : "cannot roll back " + parameter};
  // Held like an override, so the policy that made the change does not make it again at once.
  const Nanos hold = e.config().engine.rollback_hold;
  if (hold > 0) e.guard().set_override(parameter, d->verdict.value, now + hold, true);
  return {{"parameter", parameter},
          {"value", value_json(*spec, d->verdict.value)},
          {"to", which},
          {"pinned_until", hold > 0 ? json(format_rfc3339(now + hold)) : json(nullptr)},
          {"decision", record_of(*d)}};
}

json release_parameter(Engine& e, const std::vector<std::string>& captures, const json&,
                       const std::string&) {
  const std::string parameter = captures.at(0);
  if (e.guard().parameter(parameter) == nullptr)
    throw Refusal{404, "no parameter " + shown(parameter) + " in config"};
  const auto o = e.guard().override_of(parameter);
  if (!o || o->until <= e.clock().wall())
    throw Refusal{404, shown(parameter) + " is not pinned (no override or rollback hold in force)"};
  e.guard().clear_override(parameter);
  return {{"parameter", parameter}, {"released", o->hold ? "rollback hold" : "override"}};
}

json reload_policies(Engine& e, const std::vector<std::string>&, const json&, const std::string&) {
  e.folder().rescan(e.clock().wall());
  return {{"reloading", true}, {"see", "/v1/policies"}};
}

}  // namespace setpoint::runner

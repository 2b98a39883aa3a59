// The pipeline across restarts: settling intents a crash left open, bringing back pending
// proposals, verifications and undos, and saving them as they change.

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/json_text.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/effects/effect_pipeline.hpp"

namespace setpoint {
namespace {

ProposedValue value_from(const nlohmann::json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  return 0.0;
}

// A record's fields by type, or the default: a damaged or hand-edited record (a number where
// a string was written) must not throw out of a restart.
std::string text_in(const nlohmann::json& r, const char* key) {
  const auto it = r.find(key);
  return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
}
double number_in(const nlohmann::json& r, const char* key, double otherwise = 0) {
  const auto it = r.find(key);
  return it != r.end() && it->is_number() ? it->get<double>() : otherwise;
}

// A decision rebuilt from its JSON record (as decision_json wrote it), for what a restart
// brings back from the store.
Decision decision_from(const nlohmann::json& r) {
  Decision d;
  if (!r.is_object()) return d;
  const auto id = r.find("id");
  d.id = id != r.end() && id->is_number_integer() ? id->get<std::int64_t>() : 0;
  d.policy = text_in(r, "policy");
  d.policy_version = text_in(r, "policy_version");
  d.proposal.policy = d.policy;
  d.proposal.target = text_in(r, "target");
  d.proposal.reason = text_in(r, "reason");
  d.proposal.cycle = text_in(r, "cycle");
  if (const auto e = r.find("expected"); e != r.end() && e->is_object()) {
    d.proposal.expected = Expected{text_in(*e, "series"), text_in(*e, "stat"),
                                   number_in(*e, "change"), text_in(*e, "better") != "higher"};
  }
  if (const auto c = r.find("confidence"); c != r.end() && c->is_number())
    d.proposal.confidence = c->get<double>();
  if (text_in(r, "kind") == "bounds") {
    d.proposal.kind = Proposal::Kind::kBounds;
    if (const auto b = r.find("bounds"); b != r.end() && b->is_object()) {
      d.proposal.bounds_min = number_in(*b, "min");
      d.proposal.bounds_max = number_in(*b, "max");
    }
  } else if (text_in(r, "kind") == "act") {
    d.proposal.kind = Proposal::Kind::kAct;
    if (const auto args = r.find("args"); args != r.end() && args->is_object()) {
      for (const auto& [k, v] : args->items()) d.proposal.args.emplace_back(k, value_from(v));
    }
  } else if (r.contains("proposed")) {
    d.proposal.value = value_from(r["proposed"]);
  }
  d.evidence = r.contains("evidence") ? dump(r["evidence"]) : "{}";
  const std::string verdict = text_in(r, "verdict");
  d.verdict.kind = verdict == "clamp"   ? VerdictKind::kClamp
                   : verdict == "allow" ? VerdictKind::kAllow
                                        : VerdictKind::kBlock;
  d.verdict.current = number_in(r, "current");
  d.verdict.value = number_in(r, "value");
  d.verdict.proposed = d.verdict.value;
  if (d.proposal.kind == Proposal::Kind::kBounds) {  // as the guard's vet_bounds gives them
    d.verdict.proposed = d.proposal.bounds_min;
    d.verdict.value = d.proposal.bounds_max;
  }
  return d;
}

}  // namespace

void EffectPipeline::remember_parameter(const Decision& d, double value, Nanos now) {
  last_applied_[d.proposal.target] = d.id;
  if (store_ == nullptr) return;
  Decision shown = d;
  shown.verdict.value = value;
  std::string text;
  append_json(text, actuated_value(shown));
  count(store_->save_parameter({d.proposal.target, text, d.policy, std::to_string(d.id), now}));
}

void EffectPipeline::persist(Nanos now) {
  // Before a restore has worked, saving would write over the checks and undos it could not
  // read (a reload while the store was unreadable lost them all).
  if (store_ == nullptr || !restored_) return;
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : checks_) {
    checks.push_back({{"record", parse_own_json(decision_json(c.change))},
                      {"before", c.before},
                      {"previous", c.previous_value},
                      {"due", c.due}});
  }
  nlohmann::json undos = nlohmann::json::array();
  for (const auto& u : undos_)
    undos.push_back({{"record", parse_own_json(decision_json(u.done))}, {"due", u.due}});
  // Called on every tick: written only when it changed, or an idle engine would commit (and
  // fsync) the same document dozens of times a second.
  std::string document = dump(nlohmann::json{{"checks", checks}, {"undos", undos}});
  if (document == persisted_) return;
  const auto saved = store_->save_state("pipeline", document, now);
  count(saved);
  if (saved) persisted_ = std::move(document);
}

Result<void> EffectPipeline::restore() {
  if (store_ == nullptr) return {};
  restored_ = false;
  const auto parameters = store_->parameters();
  if (!parameters) return Error{"cannot read the parameters as applied: " + parameters.error()};
  for (const auto& p : *parameters) {
    if (const auto id = parse_integer(p.version)) last_applied_[p.name] = *id;
  }
  const auto proposals = store_->proposals("pending");
  if (!proposals) return Error{"cannot read the pending proposals: " + proposals.error()};
  for (const auto& p : *proposals) {
    const auto record = parse_own_json(p.record);
    if (!record.is_object()) continue;
    Decision d = decision_from(record);
    d.at = p.expires - ttl_of(d.proposal);
    d.outcome = DecisionOutcome::kPending;
    pending_[p.id] = {p.id, d, p.expires};
  }
  const auto saved = store_->load_state("pipeline");
  if (!saved) return Error{"cannot read the verifications and undos: " + saved.error()};
  restored_ = true;  // what follows is read; a damaged document is not read again
  if (!*saved) return {};
  const auto doc = parse_own_json(**saved);
  if (!doc.is_object()) return {};
  // Each entry read by type: a damaged one is skipped, never thrown out of a restart.
  const auto due_of = [](const nlohmann::json& e) {
    const auto it = e.find("due");
    return it != e.end() && it->is_number_integer() ? it->get<Nanos>() : Nanos{0};
  };
  const auto list = [&](const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_array() ? *it : nlohmann::json::array();
  };
  for (const auto& c : list("checks")) {
    if (!c.is_object() || !c.contains("record")) continue;
    checks_.push_back(
        {decision_from(c["record"]), number_in(c, "before"), number_in(c, "previous"), due_of(c)});
  }
  for (const auto& u : list("undos")) {
    if (!u.is_object() || !u.contains("record")) continue;
    undos_.push_back({decision_from(u["record"]), due_of(u)});
  }
  return {};
}

bool EffectPipeline::undo(const Undo& u, Nanos now) {
  const ActionSpec* spec = guard_.action(u.done.proposal.target);
  if (spec == nullptr) return true;
  Decision d;
  d.at = now;
  d.policy = "setpoint:undo";
  d.policy_version = u.done.policy + "@" + u.done.policy_version;
  d.proposal = Proposal::act(d.policy, spec->undo_action, u.done.proposal.args,
                             "automatic undo of decision " + std::to_string(u.done.id) + " after " +
                                 std::to_string(spec->undo_after / kNanosPerSecond) + "s");
  d.mode = Mode::kEnforce;
  d.verdict.kind = VerdictKind::kAllow;
  const auto it = actuators_.find(spec->undo_action);
  if (it == actuators_.end()) {
    d.outcome = DecisionOutcome::kFailed;
    d.detail = "no actuator is bound to " + spec->undo_action;
    record(d);
    return true;
  }
  if (!store_intent(d)) return false;
  const ActuationResult result =
      it->second->apply({spec->undo_action, spec->undo_action, 0.0, d.proposal.args, d.policy,
                         d.proposal.reason, now});
  d.outcome = result.ok() ? DecisionOutcome::kApplied : DecisionOutcome::kFailed;
  d.detail = result.detail;
  d.result_at = now;
  finish(d);
  return true;
}

Result<std::size_t> EffectPipeline::reconcile(Nanos now) {
  if (store_ == nullptr) return std::size_t{0};
  const auto unfinished = store_->unfinished();
  if (!unfinished) return Error{"cannot read the unfinished intents: " + unfinished.error()};
  std::size_t settled = 0;
  for (const auto& row : *unfinished) {
    const auto record = parse_own_json(row.json);
    if (!record.is_object()) continue;
    Decision d = decision_from(record);
    d.id = row.id;
    d.at = row.at;
    d.mode = Mode::kEnforce;
    std::optional<ProposedValue> back;
    if (const auto it = actuators_.find(row.target); it != actuators_.end())
      back = it->second->read_back(key_for(d.proposal));
    const ProposedValue intended =
        d.proposal.kind == Proposal::Kind::kSet ? actuated_value(d) : ProposedValue(0.0);
    if (!back) {
      d.outcome = DecisionOutcome::kUnknown;
      d.detail =
          "the process stopped during this change and its target cannot be read back; counted as "
          "applied";
      guard_.applied(d.proposal, d.verdict, d.at);
    } else if (*back == intended) {
      d.outcome = DecisionOutcome::kApplied;
      d.detail = "the process stopped during this change; the target holds the new value";
      guard_.applied(d.proposal, d.verdict, d.at);
      if (d.proposal.kind == Proposal::Kind::kSet) remember_parameter(d, d.verdict.value, now);
    } else {
      d.outcome = DecisionOutcome::kFailed;
      d.detail = "the process stopped during this change; the target still holds the old value";
    }
    d.result_at = now;
    finish(d);
    ++settled;
  }
  return settled;
}

}  // namespace setpoint

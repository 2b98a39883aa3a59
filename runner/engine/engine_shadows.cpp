// Shadow versions on the engine thread (shadow_versions.hpp says what they are): which new
// version shadows, its evaluation beside the live one, the divergences recorded, promotion at
// the end of the period or by an operator, and a restart in the middle of one.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/engine.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::runner {
namespace {

constexpr std::size_t kRecent = 5;  // divergences shown in /v1/policies
// Divergences recorded per shadow version; past this they are only counted (a version that
// diverges at every evaluation of a 1 s policy for a day is 86,400 rows that say one thing).
constexpr std::uint64_t kRecorded = 1000;

std::string shadow_key(const std::string& file) { return "shadow:" + file; }
std::string short_hash(const std::string& hash) { return hash.substr(0, 12); }

bool declared(const bindings::PolicyInfo& info, const Proposal& p) {
  const auto& list = p.kind == Proposal::Kind::kAct ? info.actions : info.params;
  return std::find(list.begin(), list.end(), p.target) != list.end();
}

}  // namespace

Nanos Engine::shadow_period(const bindings::LivePolicy& live,
                            const bindings::LivePolicy& next) const {
  // An autopilot cycle is validated by its own impact check, and a triage run changes nothing:
  // neither has a fast loop's decisions to compare. A new name is a new policy.
  if (live.info.autopilot || live.info.triage || next.info.autopilot || next.info.triage ||
      live.info.name != next.info.name)
    return 0;
  return config_.policies.shadow_period(next.info.name, next.shadow_mark);
}

ShadowRun* Engine::shadow_for(const std::string& file) {
  const auto it = shadows_.find(file);
  return it == shadows_.end() ? nullptr : &it->second;
}

void Engine::save_shadow(const ShadowRun& run, Nanos wall) {
  if (!store_ || dry_run()) return;
  if (const auto saved = store_->save_state(shadow_key(run.file), shadow_run_json(run), wall);
      !saved) {
    ++metrics_.store_write_failures;
    store_refused("the shadow version of " + run.policy + ": " + saved.error());
  }
}

void Engine::forget_shadow(const std::string& file) {
  if (!store_ || dry_run()) return;
  if (const auto erased = store_->erase_state(shadow_key(file)); !erased) {
    ++metrics_.store_write_failures;
    store_refused("the shadow version of " + file + ": " + erased.error());
  }
}

void Engine::end_shadow(const std::string& file) {
  if (shadows_.erase(file) > 0) forget_shadow(file);
}

std::optional<std::string> Engine::shadow_file(const std::string& policy) const {
  for (const auto& [file, run] : shadows_) {
    if (run.policy == policy) return file;
  }
  return std::nullopt;
}

// After the folder swapped, shadowed or retired versions: a run per shadow it holds.
void Engine::sync_shadows(const std::vector<std::string>& changed, Nanos wall) {
  for (const auto& file : changed) {
    const auto shadow = folder_->shadows().find(file);
    const auto live = folder_->live().find(file);
    ShadowRun* run = shadow_for(file);
    if (shadow == folder_->shadows().end() || live == folder_->live().end()) {
      end_shadow(file);  // promoted, discarded, reverted, replaced or gone: the status says
      continue;
    }
    if (run != nullptr && run->version == shadow->second.hash &&
        run->live_version == live->second.hash)
      continue;
    ShadowRun fresh;
    fresh.file = file;
    fresh.policy = live->second.info.name;
    fresh.live_version = live->second.hash;
    fresh.version = shadow->second.hash;
    fresh.live_source = live->second.source;
    fresh.since = wall;
    fresh.until = wall + shadow_period(live->second, shadow->second);
    fresh.guard = *guard_;
    spdlog::info(
        "policy {}: {} shadows {} until {} (promoted then if it diverges at most {} times)",
        fresh.policy, short_hash(fresh.version), short_hash(fresh.live_version),
        format_rfc3339(fresh.until), config_.policies.shadow_max_divergences);
    shadows_[file] = std::move(fresh);
    save_shadow(shadows_[file], wall);
  }
}

// Start-up: a file whose new version was shadowing when the engine stopped shadows again,
// beside the version that was live (from the store: the file holds only the new one).
void Engine::restore_shadows(Nanos wall) {
  if (!store_) return;
  std::vector<std::string> files;
  for (const auto& [file, _] : folder_->live()) files.push_back(file);
  for (const auto& file : files) {
    const auto saved = store_->load_state(shadow_key(file));
    if (!saved || !*saved) continue;
    auto run = parse_shadow_run(**saved);
    if (!run) {
      spdlog::error("policy file {}: its saved shadow version cannot be read; {} runs as it is",
                    file, file);
      forget_shadow(file);
      continue;
    }
    const std::string on_disk = folder_->live().at(file).hash;
    if (const auto reinstated =
            folder_->reinstate(file, run->live_source, options_.cpu_clock->monotonic());
        !reinstated) {
      spdlog::error(
          "policy file {}: the version live before the restart ({}) cannot run again, "
          "so {} runs now without its shadow period: {}",
          file, short_hash(run->live_version), short_hash(on_disk), reinstated.error());
      forget_shadow(file);
      continue;
    }
    if (folder_->shadows().count(file) == 0) {  // the file was put back while it was down
      forget_shadow(file);
      continue;
    }
    adopt({file}, wall);            // the live version's schedule and declarations again
    if (on_disk != run->version) {  // a newer version still: it shadows from now
      shadows_.erase(file);
      sync_shadows({file}, wall);
      continue;
    }
    run->guard = *guard_;
    spdlog::info("policy {}: {} still shadows {} (restarted), until {}", run->policy,
                 short_hash(run->version), short_hash(run->live_version),
                 format_rfc3339(run->until));
    shadows_[file] = std::move(*run);
  }
}

std::set<std::string> Engine::follow_live(const std::string& file, ShadowRun& run) {
  std::set<std::string> apart;
  const auto shadow = folder_->shadows().find(file);
  if (shadow == folder_->shadows().end()) return apart;
  const auto& own = shadow->second.info.params;
  run.guard->follow(*guard_, own);
  for (const auto& p : own) {
    if (run.guard->value(p) != guard_->value(p)) apart.insert(p);
  }
  return apart;
}

void Engine::run_shadow(const std::string& file, ShadowRun& run, const std::vector<Decision>& live,
                        const std::set<std::string>& apart, Nanos wall) {
  const auto it = folder_->shadows().find(file);
  if (it == folder_->shadows().end()) return;
  bindings::LivePolicy& shadow = it->second;
  auto& counts = metrics_.policies[run.policy];
  auto in = inputs(wall, *run.guard);
  bindings::PolicyOutputs out;
  const auto result = shadow.state->evaluate(in, out);
  if (!result.ok()) {
    (void)discard_shadow(file, "its evaluation failed: " + result.message, "", wall);
    return;
  }
  ++run.evaluations;
  ++counts.shadow_evaluations;
  for (const auto& line : out.logs)
    spdlog::debug("policy {} (shadow {}): {}", run.policy, short_hash(run.version), line);
  std::vector<ShadowOutcome> outcomes;
  for (const auto& proposal : out.proposals) {
    ShadowOutcome o{proposal, {}};
    o.proposal.policy = run.policy;  // as the pipeline names a live proposal's
    if (!declared(shadow.info, proposal)) {
      o.verdict.reason = Reason::kNotDeclared;
    } else {
      o.verdict = run.guard->vet(o.proposal, wall);
      // Its would-be changes draw its own trajectory where the live version's would move the
      // guard too: observe mode follows would-be values, enforce applies them; a proposal
      // (propose) or advice waits for a person, and moves nothing.
      const Mode mode = pipeline_->mode_for(run.policy, o.proposal.target);
      if (o.verdict.allowed() && o.proposal.kind != Proposal::Kind::kBounds &&
          (mode == Mode::kObserve || mode == Mode::kEnforce))
        run.guard->applied(o.proposal, o.verdict, wall);
    }
    outcomes.push_back(std::move(o));
  }
  auto rows = diverging(live, outcomes, *guard_, apart, wall);
  for (auto& row : rows) {
    row.policy = run.policy;
    row.live_version = run.live_version;
    row.shadow_version = run.version;
    ++run.divergences;
    ++counts.shadow_divergences;
    if (!row.follows) ++run.root_divergences;
    if (row.at_bound) ++run.at_bound;
    if (store_ && run.divergences <= kRecorded) {
      if (const auto recorded = store_->record_divergence(row); !recorded) {
        ++metrics_.store_write_failures;
        store_refused("a divergence of " + run.policy + "'s shadow: " + recorded.error());
      } else {
        row.id = *recorded;
      }
    }
    spdlog::info("policy {}: shadow {} diverges on {}: live {}, shadow {}{}", run.policy,
                 short_hash(run.version), row.target, row.live, row.shadow,
                 row.at_bound ? " (at a bound)" : "");
    run.recent.push_front(row);
    if (run.recent.size() > kRecent) run.recent.pop_back();
  }
  // Its counts survive a restart: at once when they matter, else now and then (the record
  // carries the live version's source, a few KiB).
  if (!rows.empty() || run.evaluations % 100 == 0) save_shadow(run, wall);
}

// The end of each shadow period: promoted when it stayed within the bound, else held.
void Engine::review_shadows(Nanos wall) {
  std::vector<std::string> due;
  for (const auto& [file, run] : shadows_) {
    if (!run.held && wall >= run.until) due.push_back(file);
  }
  for (const auto& file : due) {
    ShadowRun& run = shadows_.at(file);
    const std::uint64_t most = config_.policies.shadow_max_divergences;
    // A shadow that never ran (its live version quarantined or disabled all along) showed
    // nothing: a person decides.
    if (run.evaluations > 0 && run.divergences <= most && run.at_bound == 0) {
      const auto promoted = promote_shadow(
          file,
          "automatically after " + human_duration(run.until - run.since) + ": " +
              std::to_string(run.divergences) + " divergence(s) in " +
              std::to_string(run.evaluations) + " evaluation(s), at most " + std::to_string(most),
          wall);
      if (!promoted)
        (void)discard_shadow(file, "it cannot be promoted: " + promoted.error(), "", wall);
      continue;
    }
    run.held = true;
    const std::string why =
        run.evaluations == 0
            ? std::string("it was never evaluated (its live version did not run)")
            : std::to_string(run.divergences) + " divergence(s) in " +
                  std::to_string(run.evaluations) + " evaluation(s)" +
                  (run.at_bound > 0 ? ", " + std::to_string(run.at_bound) + " of them to a bound"
                                    : "") +
                  "; at most " + std::to_string(most) + " promote on their own";
    spdlog::warn(
        "policy {}: shadow {} waits for an operator (setpoint policies promote|discard "
        "{}): {}",
        run.policy, short_hash(run.version), run.policy, why);
    record_alert(run.policy, "shadow_held",
                 "shadow " + short_hash(run.version) + " waits for an operator: " + why, wall);
    save_shadow(run, wall);
  }
}

Result<std::string> Engine::promote_shadow(const std::string& file, const std::string& why,
                                           Nanos wall) {
  const ShadowRun* found = shadow_for(file);
  if (found == nullptr) return Error{file + " has no shadow version"};
  const std::string policy = found->policy;
  const std::string version = found->version, live_version = found->live_version;
  if (const auto promoted = folder_->promote(file, options_.cpu_clock->monotonic()); !promoted)
    return Error{promoted.error()};
  const std::string said =
      "promoted " + short_hash(version) + " over " + short_hash(live_version) + ": " + why;
  spdlog::info("policy {}: {}", policy, said);
  record_alert(policy, "shadow_promoted", said, wall);
  end_shadow(file);
  adopt({file}, wall);  // its schedule and declarations
  return said;
}

Result<std::string> Engine::discard_shadow(const std::string& file, const std::string& why,
                                           const std::string& who, Nanos wall) {
  ShadowRun* run = shadow_for(file);
  if (run == nullptr) return Error{file + " has no shadow version"};
  const std::string policy = run->policy;
  const std::string said = "discarded shadow " + short_hash(run->version) +
                           (who.empty() ? "" : " (by " + who + ")") + ": " + why + "; " +
                           short_hash(run->live_version) + " keeps running";
  folder_->discard(file, (who.empty() ? "" : "by " + who + ": ") + why,
                   options_.cpu_clock->monotonic());
  if (who.empty())
    spdlog::warn("policy {}: {}", policy, said);
  else
    spdlog::info("policy {}: {}", policy, said);
  record_alert(policy, "shadow_discarded", said, wall);
  end_shadow(file);
  return said;
}

}  // namespace setpoint::runner

// The engine's side of looking back: alerts kept for the triage, triage runs on schedule and
// on demand, and their reports stored.
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {

void Engine::record_alert(const std::string& source, const std::string& kind,
                          const std::string& message, Nanos wall) {
  if (!alerts_ || alerts_->record(source, kind, message, wall)) return;
  ++metrics_.store_write_failures;
  store_refused("an alert of " + source + " cannot be recorded");
}

std::string Engine::save_triage(const TriageRun& run, const bindings::PolicyOutputs& out,
                                const std::vector<Decision>& decisions) {
  if (!out.report) {
    spdlog::warn("triage policy {} wrote no report (it calls ctx:report once a run)", run.policy);
    return {};
  }
  if (!store_) {
    spdlog::info("triage policy {}: its report is not kept (no state file)", run.policy);
    return {};
  }
  const TriageReportRow row = triage_row(*store_, run, *out.report, decisions);
  if (const auto saved = store_->save_triage_report(row); !saved) {
    ++metrics_.store_write_failures;
    store_refused("triage report " + row.id + " cannot be recorded: " + saved.error());
    return {};
  }
  spdlog::info("triage report {} ({}): {} bounds patch(es) proposed", row.id, run.trigger,
               std::count_if(decisions.begin(), decisions.end(), [](const Decision& d) {
                 return d.proposal.kind == Proposal::Kind::kBounds;
               }));
  return row.id;
}

Result<std::vector<std::string>> Engine::run_triage(Nanos since, const std::string& who) {
  if (!store_) return Error{"this engine keeps no record to triage (no state file)"};
  const Nanos wall = clock().wall();
  last_triage_run_ = wall;
  std::vector<std::string> written;
  bool any = false;
  std::string benched, failed;
  for (auto& [file, live] : folder_->live()) {
    if (!live.info.triage) continue;
    const auto it = running_.find(file);
    if (it == running_.end() || it->second.disabled) continue;
    any = true;
    // Quarantined is benched for every run, an operator's too: it failed its last ones.
    if (!it->second.health.may_run(wall)) {
      benched += (benched.empty() ? "" : ", ") + live.info.name + " is quarantined until " +
                 format_rfc3339(it->second.health.quarantined_until());
      continue;
    }
    const TriageRun run{live.info.name, "operator:" + who, wall - since, wall};
    last_report_.clear();
    const std::uint64_t failures = it->second.failures;
    evaluate(file, live, it->second, wall, {}, &run);
    if (!last_report_.empty())
      written.push_back(last_report_);
    else if (it->second.failures > failures)
      failed += (failed.empty() ? "" : "; ") + live.info.name + ": " + it->second.last_error;
  }
  if (!any)
    return Error{
        "no triage policy is loaded (a policy with triage = true; "
        "policies/weekly_triage.lua is one)"};
  if (written.empty() && !failed.empty()) return Error{"the triage failed: " + failed};
  if (written.empty() && !benched.empty()) return Error{benched};
  if (written.empty())
    return Error{
        "the triage policies ran but wrote no report (their errors are in "
        "/v1/policies)"};
  return written;
}

nlohmann::json run_triage_now(Engine& e, const std::vector<std::string>&,
                              const nlohmann::json& body, const std::string& who) {
  constexpr Nanos kHour = 3600 * kNanosPerSecond;
  Nanos since = 7 * 24 * kHour;
  if (body.contains("since")) {
    const auto& given = body["since"];
    const auto span = given.is_string() && given.get<std::string>().size() <= 64
                          ? parse_duration(given.get<std::string>())
                          : std::nullopt;
    if (!span || *span < kHour || *span > 90 * 24 * kHour)
      throw Refusal{400, "since must be a span from 1h to 90d, like \"7d\", not " +
                             utf8::printable(dump(given), 64)};
    since = *span;
  }
  // A run holds the engine thread for as long as the policies take: one a minute on demand,
  // however many operators (or scripts) ask.
  constexpr Nanos kBetweenRuns = 60 * kNanosPerSecond;
  const Nanos now = e.clock().wall();
  if (const Nanos last = e.last_triage_run(); last != 0 && now - last < kBetweenRuns)
    throw Refusal{429, "a triage ran " + human_duration(now - last) +
                           " ago; runs on demand are one a minute (setpoint triage shows its "
                           "report)"};
  const std::string name = who.rfind("operator:", 0) == 0 ? who.substr(9) : who;
  const auto written = e.run_triage(since, name);
  if (!written) throw Refusal{409, written.error()};
  return {{"reports", *written}};
}

}  // namespace setpoint::runner

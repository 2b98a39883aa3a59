#pragma once
// Two versions of the policies, run on the same recorded telemetry with the same guard: where
// their decisions part. Both engines pass at the same times; after each pass, the decisions
// each made are paired by policy, target and kind, and a pair that differs in what would have
// been done (verdict, its reason, the value, the bounds) is a divergence. The policy's reason
// text and evidence are shown, not compared: a reworded reason is the same decision. A failed
// evaluation is compared too: a version that errors where the other does not diverges. Each
// side's totals (decisions, changes that would apply, blocks by reason, each parameter's range)
// are kept for the summary.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "setpoint/base/clock.hpp"

namespace setpoint::runner {

enum class DiffSide { kOld = 0, kNew = 1 };

// One divergence: the records (decision_json) each side made for one key in one pass; a side
// with none made no decision there.
struct Divergence {
  Nanos at = 0;
  std::string policy, target, kind;
  std::vector<std::string> old_records, new_records;
  // The sides' target stood at different values before this pass (an earlier divergence
  // moved them apart): a consequence, not a new disagreement.
  bool follows = false;
};

// What one side did over the whole replay.
struct DiffTotals {
  std::uint64_t decisions = 0;
  std::uint64_t errors = 0;                      // failed evaluations
  std::uint64_t would_apply = 0;                 // allowed or clamped, and not held back by a mode
  std::map<std::string, std::uint64_t> blocked;  // by the guard's reason
  struct Range {
    double min = 0, max = 0, last = 0;
    std::uint64_t changes = 0;
    bool seen = false;
  };
  std::map<std::string, Range> parameters;  // the value after each pass
};

class DecisionDiff {
 public:
  using OnDivergence = std::function<void(const Divergence&)>;
  explicit DecisionDiff(OnDivergence on_divergence) : on_divergence_(std::move(on_divergence)) {}

  // A decision record from one side, as the engine tells it; intents (no outcome yet) and
  // records that are not JSON objects are skipped.
  void record(DiffSide side, const std::string& record);
  // A policy's evaluation that failed on one side in this pass (an error, its deadline): a
  // divergence unless the other side's failed too.
  void error(DiffSide side, const std::string& policy, const std::string& message, Nanos at);
  // A parameter's value on one side after a pass.
  void value(DiffSide side, const std::string& parameter, double v);
  // Both sides have passed at `at`: pairs this pass's decisions and reports each divergence.
  void close_pass(Nanos at);

  std::uint64_t divergences() const { return divergences_; }
  std::uint64_t diverging_passes() const { return diverging_passes_; }
  // Divergences where both sides stood at the same value and decided differently.
  std::uint64_t root_divergences() const { return roots_; }
  const DiffTotals& totals(DiffSide side) const { return totals_[static_cast<int>(side)]; }

 private:
  struct Entry {
    std::string signature;  // what is compared
    std::string record;
  };
  using Key = std::tuple<std::string, std::string, std::string>;  // policy, target, kind
  std::map<Key, std::vector<Entry>> pass_[2];
  DiffTotals totals_[2];
  OnDivergence on_divergence_;
  std::map<std::string, double> before_[2];  // each parameter's value before this pass
  std::uint64_t divergences_ = 0, diverging_passes_ = 0, roots_ = 0;
};

// The summary: each side's totals, and the parameters whose range differs. JSON for --json,
// else aligned text.
std::string diff_summary_json(const DecisionDiff& diff, const std::string& old_dir,
                              const std::string& new_dir);
std::string diff_summary_text(const DecisionDiff& diff, const std::string& old_dir,
                              const std::string& new_dir);
// A divergence as one JSON line, or as lines a person reads (each side's decision and the
// evidence it read).
std::string divergence_json(const Divergence& d);
std::string divergence_text(const Divergence& d);

}  // namespace setpoint::runner

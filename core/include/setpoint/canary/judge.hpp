#pragma once
// The sequential judge of a canary. It is asked at every interval ("a look") how the canary
// cohort compares with the baseline on each KPI, from everything both have served since the
// canary began, and answers:
//
//   fail          a critical KPI is worse, now (roll back at once); or, at the end of a
//                 step, any KPI is
//   pass          the end of a step, and no KPI is worse (promote to the next step)
//   inconclusive  the end of a step, and a KPI lacks data: too few values a side, none at
//                 all, or none new since the last look (a series that went away). Never a pass.
//   continue      keep watching
//
// "Worse" needs two things: the always-valid p-value of the KPI's test (mSPRT, see
// sequential_test.hpp) at most false_rollback_rate / K for K KPIs, with the estimate the bad
// way; and the observed relative change past the KPI's floor, so that a large sample does not
// fail a canary on a trivial difference. A healthy canary is therefore failed with
// probability at most false_rollback_rate over the whole canary, however many looks it has.
//
// Beside it the judge works out what a fixed-horizon test at the same level would have said
// at this look (the mistake of re-running one at every interval), for comparison only.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "setpoint/base/result.hpp"
#include "setpoint/canary/cohort.hpp"
#include "setpoint/canary/kpi.hpp"

namespace setpoint::canary {

enum class LookVerdict { kContinue, kPass, kFail, kInconclusive };
const char* name(LookVerdict verdict);

struct JudgeRules {
  double false_rollback_rate = 0.05;
  std::vector<Kpi> kpis;
  std::uint32_t planned_looks = 1;  // over the whole canary, every step: "look 3 of 12"
};

// What the judge remembers between looks (saved with the rollout, so a restart resumes it).
struct KpiMemory {
  double p = 1;                                        // the always-valid p-value so far
  std::uint64_t canary_count = 0, baseline_count = 0;  // at the last look
};
struct JudgeState {
  std::uint32_t looks = 0;
  std::vector<KpiMemory> kpis;
  std::string to_json() const;
  static Result<JudgeState> from_json(std::string_view text, std::size_t kpis);
};

enum class KpiStatus { kOk, kWorse, kTooFew, kNoData, kStale };
const char* name(KpiStatus status);

struct KpiFigures {
  std::string kpi;  // Kpi::name()
  KpiStatus status = KpiStatus::kNoData;
  double canary = 0, baseline = 0;  // the statistic on each side (NaN when not known)
  double effect = 0;                // (canary - baseline) / |baseline|
  std::uint64_t n_canary = 0, n_baseline = 0;
  double z = 0;              // the test's standardized estimate
  double p = 1;              // always-valid, over every look so far
  double p_fixed = 1;        // a fixed-horizon test's, at this look alone
  bool fixed_worse = false;  // what that test would have called worse
  std::string sentence;      // "p99 312 ms vs 270 ms, +15.6 %, canary worse with p < 0.001 ..."
};

struct Look {
  LookVerdict verdict = LookVerdict::kContinue;
  std::uint32_t look = 0, planned = 0;
  bool end_of_step = false;
  std::vector<KpiFigures> kpis;
  std::string sentence;
  // A fixed-horizon test at every look would have failed the canary here.
  bool fixed_horizon_fail = false;
};

class Judge {
 public:
  explicit Judge(JudgeRules rules);
  const JudgeRules& rules() const { return rules_; }
  // One look: `data[i]` is (canary, baseline) for rules().kpis[i], everything since the canary
  // began. Updates `state` (its look count and each KPI's p-value).
  Look look(JudgeState& state, const std::vector<std::pair<Cohort, Cohort>>& data,
            bool end_of_step) const;

 private:
  KpiFigures judge_kpi(const Kpi& kpi, KpiMemory& memory, const Cohort& canary,
                       const Cohort& baseline, const std::string& at) const;
  JudgeRules rules_;
};

}  // namespace setpoint::canary

#include "setpoint/canary/judge.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "setpoint/base/json_document.hpp"
#include "setpoint/canary/sequential_test.hpp"
#include "setpoint/stats/distributions.hpp"

namespace setpoint::canary {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// A KPI's test at one look: the estimated difference (canary - baseline, in the test's own
// units), its variance under "no difference", the mixing scale τ, and the statistic itself on
// each side for people.
struct Test {
  double estimate = 0, variance = 0, tau = 1;
  double canary = kNan, baseline = kNan;
  std::uint64_t n_canary = 0, n_baseline = 0;
};

// Two proportions, with the pooled variance.
void proportions(Test& t, std::uint64_t hits_c, std::uint64_t hits_b) {
  const double nc = static_cast<double>(t.n_canary), nb = static_cast<double>(t.n_baseline);
  if (nc == 0 || nb == 0) return;
  const double pooled = static_cast<double>(hits_c + hits_b) / (nc + nb);
  t.estimate = static_cast<double>(hits_c) / nc - static_cast<double>(hits_b) / nb;
  t.variance = pooled * (1 - pooled) * (1 / nc + 1 / nb);
}

Test run_test(const Kpi& kpi, const Cohort& c, const Cohort& b) {
  Test t;
  switch (kpi.stat) {
    case KpiStat::kQuantile: {
      // Mood's test at the pooled quantile: under no difference each side has the same
      // share of values at or above it; a slower canary has more. "At or above": binned
      // values tie at the threshold's bin, and strictly above it might hold nothing.
      t.n_canary = c.value_count();
      t.n_baseline = b.value_count();
      if (t.n_canary == 0 || t.n_baseline == 0) return t;
      Cohort pooled = c;
      pooled.merge(b);
      const double threshold = pooled.quantile(kpi.q);
      proportions(t, c.at_least(threshold), b.at_least(threshold));
      t.tau = std::max(1 - kpi.q, 1e-4);  // most sensitive near a doubling of the tail
      t.canary = c.quantile(kpi.q);
      t.baseline = b.quantile(kpi.q);
      return t;
    }
    case KpiStat::kErrorRate:
    case KpiStat::kSuccessRate: {
      t.n_canary = c.count;
      t.n_baseline = b.count;
      if (t.n_canary == 0 || t.n_baseline == 0) return t;
      proportions(t, c.failures, b.failures);
      const double pooled =
          static_cast<double>(c.failures + b.failures) / static_cast<double>(c.count + b.count);
      t.tau = std::max(pooled, 1e-4);
      t.canary = static_cast<double>(c.failures) / static_cast<double>(c.count);
      t.baseline = static_cast<double>(b.failures) / static_cast<double>(b.count);
      if (kpi.stat == KpiStat::kSuccessRate) {
        t.estimate = -t.estimate;
        t.canary = 1 - t.canary;
        t.baseline = 1 - t.baseline;
      }
      return t;
    }
    case KpiStat::kMean: {
      t.n_canary = c.value_count();
      t.n_baseline = b.value_count();
      if (t.n_canary < 2 || t.n_baseline < 2) return t;
      t.canary = c.mean();
      t.baseline = b.mean();
      t.estimate = t.canary - t.baseline;
      t.variance = c.variance() / static_cast<double>(t.n_canary) +
                   b.variance() / static_cast<double>(t.n_baseline);
      Cohort pooled = c;
      pooled.merge(b);
      t.tau = std::max(2 * kpi.floor, 0.1) * std::max(std::fabs(pooled.mean()), 1e-9);
      return t;
    }
  }
  return t;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

std::string shown(const Kpi& kpi, double value) {
  if (std::isnan(value)) return "-";
  if (kpi.stat == KpiStat::kErrorRate || kpi.stat == KpiStat::kSuccessRate)
    return number(100 * value) + " %";
  return kpi.unit.empty() ? number(value) : number(value) + " " + kpi.unit;
}

std::string percent_change(double effect) {
  if (std::isinf(effect)) return effect > 0 ? "from none" : "to none";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f %%", 100 * effect);
  return buf;
}

std::string p_text(double p) {
  if (p < 0.001) return "p < 0.001";
  char buf[32];
  std::snprintf(buf, sizeof buf, "p = %.3g", p);
  return buf;
}

std::string join(const std::vector<const KpiFigures*>& kpis) {
  std::string out;
  for (const auto* k : kpis) out += (out.empty() ? "" : "; ") + k->sentence;
  return out;
}

}  // namespace

const char* name(LookVerdict verdict) {
  switch (verdict) {
    case LookVerdict::kContinue: return "continue";
    case LookVerdict::kPass: return "pass";
    case LookVerdict::kFail: return "fail";
    case LookVerdict::kInconclusive: return "inconclusive";
  }
  return "?";
}

const char* name(KpiStatus status) {
  switch (status) {
    case KpiStatus::kOk: return "ok";
    case KpiStatus::kWorse: return "worse";
    case KpiStatus::kTooFew: return "too_few";
    case KpiStatus::kNoData: return "no_data";
    case KpiStatus::kStale: return "stale";
  }
  return "?";
}

Judge::Judge(JudgeRules rules) : rules_(std::move(rules)) {}

KpiFigures Judge::judge_kpi(const Kpi& kpi, KpiMemory& memory, const Cohort& canary,
                            const Cohort& baseline, const std::string& at) const {
  const double level = rules_.false_rollback_rate / static_cast<double>(rules_.kpis.size());
  const Test t = run_test(kpi, canary, baseline);
  KpiFigures f;
  f.kpi = kpi.name();
  f.canary = t.canary;
  f.baseline = t.baseline;
  f.n_canary = t.n_canary;
  f.n_baseline = t.n_baseline;
  f.p = memory.p;
  const std::string label =
      kpi.stat_name + " " + shown(kpi, t.canary) + " vs " + shown(kpi, t.baseline);
  // A side that served nothing since the last look: its series went away (or its traffic).
  const char* stale_side = memory.canary_count == 0                ? nullptr
                           : t.n_canary <= memory.canary_count     ? "canary"
                           : t.n_baseline <= memory.baseline_count ? "baseline"
                                                                   : nullptr;
  memory.canary_count = t.n_canary;
  memory.baseline_count = t.n_baseline;
  if (t.n_canary == 0 || t.n_baseline == 0 || std::isnan(t.canary) || std::isnan(t.baseline)) {
    f.status = KpiStatus::kNoData;
    f.sentence =
        kpi.name() + ": no " + (t.n_canary == 0 ? "canary" : "baseline") + " data at " + at;
    return f;
  }
  if (stale_side != nullptr) {
    f.status = KpiStatus::kStale;
    f.sentence =
        kpi.name() + ": nothing new on the " + stale_side + " side since the last look, at " + at;
    return f;
  }
  if (t.n_canary < kpi.needed() || t.n_baseline < kpi.needed()) {
    f.status = KpiStatus::kTooFew;
    f.sentence = kpi.name() + ": " + std::to_string(t.n_canary) + " canary and " +
                 std::to_string(t.n_baseline) + " baseline values, fewer than the " +
                 std::to_string(kpi.needed()) + " needed a side, at " + at;
    return f;
  }
  f.effect = t.baseline == 0 ? (t.canary == 0 ? 0 : std::copysign(INFINITY, t.canary))
                             : (t.canary - t.baseline) / std::fabs(t.baseline);
  const double bad_way = kpi.higher_is_worse ? 1 : -1;
  const bool worse_way = t.estimate * bad_way > 0;
  const bool past_floor = f.effect * bad_way > kpi.floor;
  f.z = t.variance > 0 ? t.estimate / std::sqrt(t.variance) : 0;
  f.p_fixed = t.variance > 0 ? std::min(1.0, 2 * stats::normal_sf(std::fabs(f.z))) : 1;
  f.fixed_worse = worse_way && past_floor && f.p_fixed <= level;
  if (worse_way) memory.p = always_valid_p(memory.p, t.estimate, t.variance, t.tau);
  f.p = memory.p;
  const std::string figures = label + ", " + percent_change(f.effect);
  if (worse_way && past_floor && memory.p <= level) {
    f.status = KpiStatus::kWorse;
    f.sentence = figures + ", canary worse with " + p_text(memory.p) + " at " + at;
  } else if (worse_way && memory.p <= level) {
    f.status = KpiStatus::kOk;
    f.sentence = figures + ", worse with " + p_text(memory.p) + " but within the " +
                 number(100 * kpi.floor) + " % floor at " + at;
  } else {
    f.status = KpiStatus::kOk;
    f.sentence = figures + ", not shown worse (" + p_text(memory.p) + ") at " + at;
  }
  return f;
}

Look Judge::look(JudgeState& state, const std::vector<std::pair<Cohort, Cohort>>& data,
                 bool end_of_step) const {
  state.kpis.resize(rules_.kpis.size());
  Look look;
  look.look = ++state.looks;
  look.planned = std::max(rules_.planned_looks, look.look);
  look.end_of_step = end_of_step;
  const std::string at =
      "look " + std::to_string(look.look) + " of " + std::to_string(look.planned);
  std::vector<const KpiFigures*> worse, critical, lacking;
  for (std::size_t i = 0; i < rules_.kpis.size(); ++i) {
    static const std::pair<Cohort, Cohort> kNone;
    const auto& [canary, baseline] = i < data.size() ? data[i] : kNone;
    look.kpis.push_back(judge_kpi(rules_.kpis[i], state.kpis[i], canary, baseline, at));
  }
  for (std::size_t i = 0; i < look.kpis.size(); ++i) {
    const KpiFigures& f = look.kpis[i];
    if (f.status == KpiStatus::kWorse) {
      worse.push_back(&f);
      if (rules_.kpis[i].critical) critical.push_back(&f);
    } else if (f.status != KpiStatus::kOk) {
      lacking.push_back(&f);
    }
    look.fixed_horizon_fail =
        look.fixed_horizon_fail || (f.fixed_worse && (rules_.kpis[i].critical || end_of_step));
  }
  std::vector<const KpiFigures*> all;
  for (const auto& f : look.kpis) all.push_back(&f);
  const std::string end = end_of_step ? ", the end of the step: " : ": ";
  if (!critical.empty() || (end_of_step && !worse.empty())) {
    look.verdict = LookVerdict::kFail;
    look.sentence = "fail at " + at + end + join(critical.empty() ? worse : critical);
  } else if (!end_of_step) {
    look.verdict = LookVerdict::kContinue;
    look.sentence = "continue at " + at + ": " + join(all);
  } else if (!lacking.empty()) {
    look.verdict = LookVerdict::kInconclusive;
    look.sentence = "inconclusive at " + at + end + join(lacking);
  } else {
    look.verdict = LookVerdict::kPass;
    look.sentence = "pass at " + at + end + join(all);
  }
  return look;
}

std::string JudgeState::to_json() const {
  nlohmann::json doc = {{"looks", looks}, {"kpis", nlohmann::json::array()}};
  for (const auto& k : kpis) {
    doc["kpis"].push_back({{"p", k.p}, {"canary", k.canary_count}, {"baseline", k.baseline_count}});
  }
  return dump(doc);
}

Result<JudgeState> JudgeState::from_json(std::string_view text, std::size_t kpis) {
  const auto doc = parse_own_json(text);
  const auto looks = doc.is_object() ? doc.find("looks") : doc.end();
  const auto list = doc.is_object() ? doc.find("kpis") : doc.end();
  if (!doc.is_object() || looks == doc.end() || !looks->is_number_unsigned() || list == doc.end() ||
      !list->is_array())
    return Error{"a judge state needs looks and kpis"};
  // Before its first look a judge remembers nothing (no KPIs yet): a restart then is no damage.
  const bool unlooked = looks->get<std::uint64_t>() == 0 && list->empty();
  if (list->size() != kpis && !unlooked)
    return Error{"the judge state has " + std::to_string(list->size()) + " KPIs, the rollout " +
                 std::to_string(kpis)};
  JudgeState state;
  state.looks =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(looks->get<std::uint64_t>(), 1'000'000));
  for (const auto& k : *list) {
    if (!k.is_object() || !k.contains("p") || !k["p"].is_number() || !k.contains("canary") ||
        !k["canary"].is_number_unsigned() || !k.contains("baseline") ||
        !k["baseline"].is_number_unsigned())
      return Error{"a judge state's KPI needs p, canary and baseline"};
    const double p = k["p"].get<double>();
    if (!(p >= 0 && p <= 1)) return Error{"a judge state's p is not between 0 and 1"};
    state.kpis.push_back({p, k["canary"].get<std::uint64_t>(), k["baseline"].get<std::uint64_t>()});
  }
  return state;
}

}  // namespace setpoint::canary

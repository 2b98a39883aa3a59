// Kubernetes HPA's `behavior`, replayed through the guard: replicas as an int parameter,
// scale-up and scale-down policies, selectPolicy and the stabilization windows. First the
// cases of its documentation ("Configurable scaling behavior"), then the controller's own unit
// tests (pkg/controller/podautoscaler/horizontal_test.go), transcribed as data under their
// names: the guard must give the replica count and the limiting reason the controller gives.
#include <algorithm>
#include <catch2/catch.hpp>
#include <deque>

#include "setpoint/guard/change_limits.hpp"
#include "setpoint/guard/guard.hpp"

using namespace setpoint;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

ParameterSpec replicas(double initial) {
  ParameterSpec p;
  p.name = "replicas";
  p.type = ParamType::kInt;
  p.initial = initial;
  p.min = 1;
  p.max = 1000;
  p.policies = {"hpa"};
  return p;
}

RatePolicy pods(double n, Nanos period) { return {{StepLimit::Unit::kAbsolute, n}, period}; }
RatePolicy percent(double n, Nanos period) { return {{StepLimit::Unit::kPercent, n}, period}; }

struct Hpa {
  Guard guard;
  explicit Hpa(ParameterSpec p) : guard({std::move(p)}, {}, {}) {}
  // One controller loop: recommend `desired`; apply what the guard allows.
  Verdict loop(double desired, Nanos now) {
    const Proposal p = Proposal::set("hpa", "replicas", desired);
    const Verdict v = guard.vet(p, now);
    guard.applied(p, v, now);
    return v;
  }
  double value() const { return *guard.value("replicas"); }
};

}  // namespace

TEST_CASE("HPA scale-down: Pods 4 and Percent 10 per 60 s, selectPolicy Max") {
  ParameterSpec p = replicas(80);
  p.down.rate = {pods(4, 60 * kSec), percent(10, 60 * kSec)};
  Hpa hpa(p);
  // "if there are 80 replicas and the target has to be scaled down to 10 replicas then during
  // the first step 8 replicas will be reduced."
  Verdict v = hpa.loop(10, 0);
  CHECK(v.reason == Reason::kRate);
  CHECK(hpa.value() == 72);
  // Within the same period nothing more may go.
  CHECK(hpa.loop(10, 15 * kSec).reason == Reason::kRate);
  CHECK(hpa.value() == 72);
  // "In the next iteration when the number of replicas is 72, 10% of the pods is 7.2 but the
  // number is rounded up to 8."
  hpa.loop(10, 60 * kSec);
  CHECK(hpa.value() == 64);
  // "When the number of replicas falls below 40 the first policy (Pods) is applied and 4
  // replicas will be reduced at a time."
  std::vector<double> seen;
  for (int period = 2; period < 12; ++period) {
    hpa.loop(10, period * 60 * kSec);
    seen.push_back(hpa.value());
  }
  CHECK(seen == std::vector<double>{57, 51, 45, 40, 36, 32, 28, 24, 20, 16});
}

TEST_CASE("HPA scale-down: selectPolicy Min takes the policy with the least change") {
  ParameterSpec p = replicas(80);
  p.down.rate = {pods(4, 60 * kSec), percent(10, 60 * kSec)};
  p.down.select = RateSelect::kMin;
  Hpa hpa(p);
  hpa.loop(10, 0);
  CHECK(hpa.value() == 76);
}

TEST_CASE("HPA scale-down: selectPolicy Disabled never scales down") {
  ParameterSpec p = replicas(80);
  p.down.select = RateSelect::kDisabled;
  Hpa hpa(p);
  const Verdict v = hpa.loop(10, 0);
  CHECK(v.kind == VerdictKind::kBlock);
  CHECK(v.reason == Reason::kRate);
  CHECK(hpa.value() == 80);
  CHECK(hpa.loop(100, kSec).allowed());  // up is unaffected
}

TEST_CASE("HPA default scale-up: 100 % or 4 pods per 15 s, whichever is higher") {
  ParameterSpec p = replicas(1);
  p.up.rate = {percent(100, 15 * kSec), pods(4, 15 * kSec)};
  Hpa hpa(p);
  hpa.loop(100, 0);
  CHECK(hpa.value() == 5);  // max(1 × 2, 1 + 4)
  CHECK(hpa.loop(100, 5 * kSec).reason == Reason::kRate);
  hpa.loop(100, 15 * kSec);
  CHECK(hpa.value() == 10);  // max(5 × 2, 5 + 4)
  hpa.loop(100, 30 * kSec);
  CHECK(hpa.value() == 20);  // max(10 × 2, 10 + 4)
}

TEST_CASE("HPA rate policies count every change in the period, not only the last") {
  ParameterSpec p = replicas(10);
  p.up.rate = {pods(4, 60 * kSec)};
  Hpa hpa(p);
  hpa.loop(12, 0);
  hpa.loop(13, 20 * kSec);
  const Verdict v = hpa.loop(100, 40 * kSec);  // 3 of the 4 used: one more
  CHECK(v.reason == Reason::kRate);
  CHECK(hpa.value() == 14);
  hpa.loop(100, 60 * kSec);  // the first change left the period: 2 more allowed
  CHECK(hpa.value() == 16);
}

TEST_CASE("HPA stabilization window: a decrease waits for the highest recent recommendation") {
  ParameterSpec p = replicas(10);
  p.down.stabilization = 300 * kSec;
  Hpa hpa(p);
  CHECK(hpa.loop(10, 0).reason == Reason::kNoChange);
  const Verdict held = hpa.loop(6, 60 * kSec);
  CHECK(held.kind == VerdictKind::kBlock);
  CHECK(held.reason == Reason::kStabilized);
  CHECK(hpa.loop(8, 120 * kSec).reason == Reason::kStabilized);
  // At 301 s the recommendation of 10 has left the window; 8 (at 120 s) is now the highest.
  const Verdict v = hpa.loop(6, 301 * kSec);
  CHECK(v.kind == VerdictKind::kClamp);
  CHECK(v.reason == Reason::kStabilized);
  CHECK(hpa.value() == 8);
  hpa.loop(6, 421 * kSec);
  CHECK(hpa.value() == 6);
  // Increases are not stabilized.
  CHECK(hpa.loop(20, 422 * kSec).allowed());
}

namespace {

// The controller's test helpers, as data. GSR(pods, podsPeriod, percent, percentPeriod) is its
// generateScalingRules: a Pods policy if pods != 0, then a Percent policy if percent != 0,
// selectPolicy Max. Its stabilizationWindowSeconds is not used: those tests call the rate step
// alone (convertDesiredReplicasWithBehaviorRate), so the windows are 0 here.
struct Rules {
  int pods = 0, pods_period = 0, percent = 0, percent_period = 0;
  bool defaults = false;  // nil in the test: the API's defaults
};
constexpr Rules kDefault{0, 0, 0, 0, true};
Proposal ask(double replicas) { return Proposal::set("hpa", "replicas", replicas); }

Rules gsr(int pods, int pods_period, int percent, int percent_period) {
  return {pods, pods_period, percent, percent_period, false};
}

DirectionRules direction_rules(const Rules& r, bool up) {
  DirectionRules d;
  if (r.defaults) {
    // defaults.go: up 4 pods or 100 % per 15 s; down 100 % per 15 s; both Max.
    if (up)
      d.rate = {pods(4, 15 * kSec), percent(100, 15 * kSec)};
    else
      d.rate = {percent(100, 15 * kSec)};
    return d;
  }
  if (r.pods != 0) d.rate.push_back(pods(r.pods, r.pods_period * kSec));
  if (r.percent != 0) d.rate.push_back(percent(r.percent, r.percent_period * kSec));
  return d;
}

// generateEventsUniformDistribution: event i of n over period P sits at age P - P/n (i + 1) +
// P/(2n), truncated to whole seconds. The tests use P = 120.
std::vector<std::pair<int, int>> events(std::vector<int> changes) {
  std::vector<std::pair<int, int>> out;  // (age in seconds, change)
  const double segment = 120.0 / static_cast<double>(changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    out.emplace_back(static_cast<int>(120 - segment * static_cast<double>(i + 1) + segment / 2),
                     changes[i]);
  }
  return out;
}

enum class Limited { kWithinRange, kScaleUpLimit, kScaleDownLimit, kTooMany, kTooFew };

struct RateCase {
  const char* name;
  int current, desired, min, max;
  Rules up, down;
  std::vector<std::pair<int, int>> up_events, down_events;
  int expected;
  Limited condition;
};

// A guard whose replicas stand at `current` after the changes given happened at their ages.
Guard guard_after(const ParameterSpec& base, int current,
                  const std::vector<std::pair<int, int>>& up_events,
                  const std::vector<std::pair<int, int>>& down_events, Nanos now) {
  std::vector<std::pair<int, int>> all;  // (age, signed change)
  for (const auto& [age, change] : up_events) all.emplace_back(age, change);
  for (const auto& [age, change] : down_events) all.emplace_back(age, -change);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  ParameterSpec spec = base;
  double start = current;
  for (const auto& [_, change] : all) start -= change;
  spec.initial = start;
  Guard guard({spec}, {}, {});
  double value = start;
  for (const auto& [age, change] : all) {
    Verdict v;
    v.kind = VerdictKind::kAllow;
    v.current = value;
    value += change;
    v.value = value;
    guard.applied(ask(value), v, now - age * kSec);
  }
  return guard;
}

void check_limited(const Verdict& v, int current, int expected, Limited condition) {
  CHECK(v.value == expected);
  switch (condition) {
    case Limited::kScaleUpLimit:
    case Limited::kScaleDownLimit: CHECK(v.reason == Reason::kRate); break;
    case Limited::kTooMany:
    case Limited::kTooFew: CHECK(v.reason == Reason::kBounds); break;
    case Limited::kWithinRange:
      CHECK((v.reason == Reason::kOk || v.reason == Reason::kNoChange));
      break;
  }
  CHECK(v.kind == (expected == current                  ? VerdictKind::kBlock
                   : condition == Limited::kWithinRange ? VerdictKind::kAllow
                                                        : VerdictKind::kClamp));
}

}  // namespace

TEST_CASE("HPA controller: TestScalingWithRules") {
  using L = Limited;
  const auto e = events;
  const RateCase cases[] = {
      {"prenormalized desired replicas within range",
       5,
       7,
       3,
       8,
       kDefault,
       kDefault,
       {},
       {},
       7,
       L::kWithinRange},
      {"prenormalized desired replicas < minReplicas",
       3,
       1,
       2,
       8,
       kDefault,
       kDefault,
       {},
       {},
       2,
       L::kTooFew},
      {"prenormalized desired replicas within range when minReplicas is 0",
       1,
       0,
       0,
       10,
       kDefault,
       kDefault,
       {},
       {},
       0,
       L::kWithinRange},
      {"maxReplicas is the limit because maxReplicas < scaleUpLimit",
       20,
       1000,
       1,
       10,
       kDefault,
       kDefault,
       {},
       {},
       10,
       L::kTooMany},
      {"desired replica count is more than the maximum replica count",
       100,
       1000,
       100,
       150,
       kDefault,
       kDefault,
       {},
       {},
       150,
       L::kTooMany},
      {"scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies",
       3,
       1000,
       1,
       2000,
       gsr(0, 0, 1, 60),
       kDefault,
       {},
       {},
       4,
       L::kScaleUpLimit},
      // Skipped by the controller's own loop (testThis: true); its expectation holds here.
      {"scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined "
       "policies",
       1000,
       3,
       3,
       2000,
       kDefault,
       gsr(20, 60, 0, 0),
       {},
       {},
       980,
       L::kScaleDownLimit},
      {"scaleUp with default behavior",
       10,
       50,
       1,
       1000,
       kDefault,
       kDefault,
       {},
       {},
       20,
       L::kScaleUpLimit},
      {"scaleUp with pods policy larger than percent policy",
       10,
       500,
       1,
       1000,
       gsr(100, 60, 100, 60),
       kDefault,
       {},
       {},
       110,
       L::kScaleUpLimit},
      {"scaleUp with percent policy larger than pods policy",
       10,
       500,
       1,
       1000,
       gsr(2, 60, 100, 60),
       kDefault,
       {},
       {},
       20,
       L::kScaleUpLimit},
      {"scaleUp with spec MaxReplicas limitation with large pod policy",
       10,
       50,
       1,
       1000,
       gsr(100, 60, 0, 0),
       kDefault,
       {},
       {},
       50,
       L::kWithinRange},
      {"scaleUp with spec MaxReplicas limitation with large percent policy",
       10,
       50,
       1,
       1000,
       gsr(10000, 60, 0, 0),
       kDefault,
       {},
       {},
       50,
       L::kWithinRange},
      {"scaleUp with pod policy limitation",
       10,
       50,
       1,
       1000,
       gsr(30, 60, 0, 0),
       kDefault,
       {},
       {},
       40,
       L::kScaleUpLimit},
      {"scaleUp with percent policy limitation",
       10,
       50,
       1,
       1000,
       gsr(0, 0, 200, 60),
       kDefault,
       {},
       {},
       30,
       L::kScaleUpLimit},
      {"scaleDown with percent policy larger than pod policy",
       100,
       2,
       1,
       1000,
       kDefault,
       gsr(20, 60, 1, 60),
       {},
       {},
       80,
       L::kScaleDownLimit},
      {"scaleDown with pod policy larger than percent policy",
       100,
       2,
       1,
       1000,
       kDefault,
       gsr(2, 60, 1, 60),
       {},
       {},
       98,
       L::kScaleDownLimit},
      {"scaleDown with spec MinReplicas=nil limitation with large pod policy",
       10,
       0,
       1,
       1000,
       kDefault,
       gsr(100, 60, 0, 0),
       {},
       {},
       1,
       L::kTooFew},
      {"scaleDown with spec MinReplicas limitation with large pod policy",
       10,
       0,
       1,
       1000,
       kDefault,
       gsr(100, 60, 0, 0),
       {},
       {},
       1,
       L::kTooFew},
      {"scaleDown with spec MinReplicas limitation with large percent policy",
       10,
       2,
       5,
       1000,
       kDefault,
       gsr(0, 0, 100, 60),
       {},
       {},
       5,
       L::kTooFew},
      {"scaleDown with pod policy limitation",
       10,
       2,
       1,
       1000,
       kDefault,
       gsr(5, 60, 0, 0),
       {},
       {},
       5,
       L::kScaleDownLimit},
      {"scaleDown with percent policy limitation",
       10,
       5,
       1,
       1000,
       kDefault,
       gsr(0, 0, 50, 60),
       {},
       {},
       5,
       L::kWithinRange},
      {"scaleUp with spec MaxReplicas limitation with large pod policy and events",
       100,
       500,
       1,
       200,
       gsr(300, 60, 0, 0),
       kDefault,
       e({1, 5, 9}),
       {},
       200,
       L::kTooMany},
      {"scaleUp with spec MaxReplicas limitation with large percent policy and events",
       100,
       500,
       1,
       200,
       gsr(0, 0, 10000, 60),
       kDefault,
       e({1, 5, 9}),
       {},
       200,
       L::kTooMany},
      {"scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale "
       "up events",
       100,
       500,
       1,
       1000,
       gsr(5, 120, 0, 0),
       kDefault,
       e({1, 5, 9}),
       {},
       100,
       L::kScaleUpLimit},
      {"scaleUp with pod policy and previous scale up events",
       100,
       500,
       1,
       1000,
       gsr(150, 120, 0, 0),
       kDefault,
       e({1, 5, 9}),
       {},
       235,
       L::kScaleUpLimit},
      {"scaleUp with percent policy and previous scale up events",
       100,
       500,
       1,
       1000,
       gsr(0, 0, 200, 120),
       kDefault,
       e({1, 5, 9}),
       {},
       255,
       L::kScaleUpLimit},
      {"scaleUp with percent policy and previous scale up and down events", 6, 24, 1, 1000,
       gsr(0, 0, 300, 300), kDefault, e({4}), e({2}), 16, L::kScaleUpLimit},
      {"scaleDown with default policy and previous events",
       10,
       5,
       1,
       1000,
       kDefault,
       kDefault,
       {},
       e({1, 5, 9}),
       5,
       L::kWithinRange},
      {"scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events",
       100,
       0,
       1,
       1000,
       kDefault,
       gsr(115, 120, 0, 0),
       {},
       e({1, 5, 9}),
       1,
       L::kTooFew},
      {"scaleDown with spec MinReplicas limitation with large pod policy and previous events",
       100,
       0,
       5,
       1000,
       kDefault,
       gsr(130, 120, 0, 0),
       {},
       e({1, 5, 9}),
       5,
       L::kTooFew},
      {"scaleDown with spec MinReplicas limitation with large percent policy and previous events",
       100,
       2,
       5,
       1000,
       kDefault,
       gsr(0, 0, 100, 120),
       {},
       e({1, 5, 9}),
       5,
       L::kTooFew},
      {"scaleDown with pod policy limitation and previous events",
       100,
       2,
       1,
       1000,
       kDefault,
       gsr(5, 120, 0, 0),
       {},
       e({1, 5, 9}),
       100,
       L::kScaleDownLimit},
      {"scaleDown with percent policy limitation and previous events",
       100,
       0,
       1,
       1000,
       kDefault,
       gsr(0, 0, 50, 120),
       {},
       e({2, 4, 6}),
       56,
       L::kScaleDownLimit},
      {"scaleDown with percent policy and previous scale up and down events", 10, 1, 1, 1000,
       kDefault, gsr(0, 0, 50, 180), e({2}), e({4}), 6, L::kScaleDownLimit},
      {"scaleDown with previous events preventing further scale down",
       100,
       0,
       1,
       1000,
       kDefault,
       gsr(0, 0, 10, 120),
       {},
       e({10, 10, 10}),
       100,
       L::kScaleDownLimit},
      {"scaleDown with with previous events still allowing more scale down",
       10,
       5,
       1,
       1000,
       kDefault,
       gsr(0, 0, 1000, 120),
       {},
       e({10, 10, 10}),
       5,
       L::kWithinRange},
      {"check 'outdated' flag for events for one behavior for up",
       100,
       200,
       1,
       1000,
       gsr(1000, 60, 0, 0),
       kDefault,
       e({8, 12, 9, 11}),
       {},
       200,
       L::kWithinRange},
      {"check that events were not marked 'outdated' for two different policies in the behavior "
       "for up",
       100,
       200,
       1,
       1000,
       gsr(1000, 120, 100, 60),
       kDefault,
       e({8, 12, 9, 11}),
       {},
       200,
       L::kWithinRange},
      {"check that events were marked 'outdated' for two different policies in the behavior for up",
       100,
       200,
       1,
       1000,
       gsr(1000, 30, 100, 60),
       kDefault,
       e({8, 12, 9, 11}),
       {},
       200,
       L::kWithinRange},
      {"check 'outdated' flag for events for one behavior for down",
       100,
       5,
       1,
       1000,
       kDefault,
       gsr(1000, 60, 0, 0),
       {},
       e({8, 12, 9, 11}),
       5,
       L::kWithinRange},
      {"check that events were not marked 'outdated' for two different policies in the behavior "
       "for down",
       100,
       5,
       1,
       1000,
       kDefault,
       gsr(1000, 120, 100, 60),
       {},
       e({8, 12, 9, 11}),
       5,
       L::kWithinRange},
      {"check that events were marked 'outdated' for two different policies in the behavior for "
       "down",
       100,
       5,
       1,
       1000,
       kDefault,
       gsr(1000, 30, 100, 60),
       {},
       e({8, 12, 9, 11}),
       5,
       L::kWithinRange},
  };
  const Nanos now = 10'000 * kSec;
  int ran = 0;
  for (const RateCase& c : cases) {
    INFO(c.name);
    ParameterSpec spec = replicas(c.current);
    spec.min = c.min;
    spec.max = c.max;
    spec.up = direction_rules(c.up, true);
    spec.down = direction_rules(c.down, false);
    Guard guard = guard_after(spec, c.current, c.up_events, c.down_events, now);
    REQUIRE(*guard.value("replicas") == c.current);
    check_limited(guard.vet(ask(c.desired), now), c.current, c.expected, c.condition);
    ++ran;
  }
  CHECK(ran == 42);
}

TEST_CASE(
    "HPA controller: TestCalculateScaleUpLimitWithScalingRules and "
    "TestCalculateScaleDownLimitWithBehaviors") {
  // selectPolicy Min with Pods 2 / 60 s and Percent 50 / 60 s.
  ParameterSpec spec = replicas(1);
  spec.up.rate = {pods(2, 60 * kSec), percent(50, 60 * kSec)};
  spec.up.select = RateSelect::kMin;
  spec.down = spec.up;
  Guard up({spec}, {}, {});
  CHECK(up.vet(ask(100), 0).value == 2);  // min(1 + 2, ceil(1 × 1.5))
  spec.initial = 5;
  Guard down({spec}, {}, {});
  CHECK(down.vet(ask(1), 0).value == 3);  // max(5 - 2, trunc(5 × 0.5))
}

TEST_CASE(
    "HPA controller: TestStoreScaleEvents — which changes a 60 s period counts (strictly newer "
    "than now - 60 s)") {
  struct Case {
    const char* name;
    std::vector<std::pair<int, int>> previous;  // (age, change)
    int counted;
  };
  const Case cases[] = {
      {"empty entries with default behavior", {}, 0},
      {"empty entries with two-policy-behavior", {}, 0},
      {"one outdated entry to be kept untouched without behavior", {{61, 7}}, 0},
      {"one outdated entry to be replaced with behavior", {{61, 7}}, 0},
      {"one actual entry to be not touched with behavior", {{58, 7}}, 7},
      {"two entries, one of them to be replaced", {{61, 7}, {59, 6}}, 6},
      {"replace one entry, use policies with different periods",
       {{29, 8}, {59, 6}, {61, 7}, {61, 9}},
       14},
      {"two entries, both actual", {{58, 7}, {59, 6}}, 13},
  };
  // The controller's slot reuse (which outdated event a new one overwrites) is its own
  // bookkeeping; the guard keeps every change within the longest period and counts the same.
  const Nanos now = 1000 * kSec;
  DirectionRules rules;
  rules.rate = {pods(100, 60 * kSec)};
  for (const Case& c : cases) {
    INFO(c.name);
    std::deque<std::pair<Nanos, double>> changes;
    auto previous = c.previous;
    std::sort(previous.begin(), previous.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [age, change] : previous) changes.emplace_back(now - age * kSec, change);
    // From 100, 100 more per period, less what the period already moved.
    CHECK(rate_limit(rules, changes, 100, 1, now, true) == 200 - c.counted);
  }
  std::deque<std::pair<Nanos, double>> edge{{now - 60 * kSec, 5}};
  CHECK(rate_limit(rules, edge, 100, 1, now, true) == 200);  // exactly at the edge: not counted
}

TEST_CASE("HPA controller: TestNormalizeDesiredReplicasWithBehavior — both stabilization windows") {
  struct Case {
    const char* name;
    std::vector<std::pair<int, int>> recommendations;  // (value, age in seconds)
    int current, desired, up_window, down_window, expected;
  };
  const Case cases[] = {
      {"empty recommendations for scaling down", {}, 100, 5, 0, 0, 5},
      {"simple scale down stabilization", {{4, 120}, {5, 60}}, 100, 3, 0, 180, 5},
      {"simple scale up stabilization", {{4, 120}, {5, 60}}, 1, 7, 300, 0, 4},
      {"no scale down stabilization", {{1, 120}, {2, 60}}, 100, 3, 300, 0, 3},
      {"no scale up stabilization", {{4, 120}, {5, 60}}, 1, 3, 0, 300, 3},
      {"no scale down stabilization, reuse recommendation element",
       {{10, 600}, {9, 540}},
       100,
       3,
       0,
       0,
       3},
      {"no scale up stabilization, reuse recommendation element",
       {{10, 600}, {9, 540}},
       1,
       100,
       0,
       0,
       100},
      {"scale down stabilization, reuse one of obsolete recommendation element",
       {{10, 600}, {4, 60}, {5, 120}, {9, 540}},
       100,
       3,
       0,
       180,
       5},
      {"scale up stabilization, reuse one of obsolete recommendation element",
       {{10, 6000}, {6, 60}, {5, 120}, {9, 180}},
       1,
       100,
       300,
       0,
       5},
      {"scale up and down stabilization, do not scale up when prenormalized rec goes down",
       {{2, 6000}, {3, 180}},
       2,
       1,
       300,
       300,
       2},
      {"scale up and down stabilization, do not scale down when prenormalized rec goes up",
       {{2, 6000}, {1, 180}},
       2,
       3,
       300,
       300,
       2},
  };
  const Nanos now = 100'000 * kSec;
  for (const Case& c : cases) {
    INFO(c.name);
    ParameterSpec spec = replicas(c.current);
    spec.up.stabilization = c.up_window * kSec;
    spec.down.stabilization = c.down_window * kSec;
    Guard guard({spec}, {}, {});
    // The controller's recommendations were there before (a list, not nil: no first one for
    // the current count): one long before any window stands for them being there.
    guard.vet(ask(c.current), now - 50'000 * kSec);
    auto recommendations = c.recommendations;
    std::sort(recommendations.begin(), recommendations.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [value, age] : recommendations) guard.vet(ask(value), now - age * kSec);
    const Verdict v = guard.vet(ask(c.desired), now);
    CHECK(v.value == c.expected);
    if (c.expected != c.desired) CHECK(v.reason == Reason::kStabilized);
  }
}

TEST_CASE("HPA controller: full-loop stabilization and cap tests") {
  const Nanos now = 100'000 * kSec;
  SECTION("TestScaleDownStabilizeInitialSize: the first recommendation is the size found") {
    ParameterSpec spec = replicas(5);
    spec.min = 2;
    spec.max = 6;
    spec.down.stabilization = 300 * kSec;  // the controller's default window
    Guard guard({spec}, {}, {});
    const Verdict v = guard.vet(ask(3), now);  // the metric wants 3
    CHECK(v.value == 5);
    CHECK(v.reason == Reason::kStabilized);
  }
  SECTION("TestStabilizeDownscale") {
    ParameterSpec spec = replicas(4);
    spec.max = 5;
    spec.down.stabilization = 300 * kSec;
    Guard guard({spec}, {}, {});
    guard.vet(ask(10), now - 600 * kSec);
    guard.vet(ask(4), now - 60 * kSec);
    CHECK(guard.vet(ask(2), now).value == 4);
  }
  SECTION("TestScaleDownWithScalingRules") {
    ParameterSpec spec = replicas(5);
    spec.min = 2;
    spec.max = 6;
    spec.up = direction_rules(gsr(0, 0, 100, 15), true);
    spec.up.stabilization = 30 * kSec;
    spec.down = direction_rules(kDefault, false);
    spec.down.stabilization = 300 * kSec;
    Guard guard({spec}, {}, {});
    guard.vet(ask(5), now - 50'000 * kSec);  // recommendations: [], not nil
    CHECK(guard.vet(ask(3), now).value == 3);
  }
  SECTION("TestUpscaleCap and TestUpscaleCapGreaterThanMaxReplicas") {
    ParameterSpec spec = replicas(3);
    spec.max = 100;
    spec.up = direction_rules(gsr(0, 0, 700, 60), true);
    spec.down = direction_rules(kDefault, false);
    spec.down.stabilization = 300 * kSec;
    Guard capped({spec}, {}, {});
    const Verdict v = capped.vet(ask(100), now);
    CHECK(v.value == 24);  // ceil(3 × 8)
    CHECK(v.reason == Reason::kRate);
    spec.max = 20;
    Guard bounded({spec}, {}, {});
    const Verdict w = bounded.vet(ask(100), now);
    CHECK(w.value == 20);
    CHECK(w.reason == Reason::kBounds);
  }
}

// The Kubernetes HPA `behavior` cases from its documentation ("Configurable scaling
// behavior"), replayed through the guard: replicas as an int parameter, scale-up and
// scale-down policies, selectPolicy, and the stabilization window.
#include <catch2/catch.hpp>

#include "setpoint/guard.hpp"

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
  p.stabilization = 300 * kSec;
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

// Figures for the guard: the cost of one verdict for a typical parameter.
#include "harness.hpp"
#include "setpoint/guard/guard.hpp"

namespace setpoint::bench {

void guard_benchmarks(Figures& figures) {
  if (!selected("guard")) return;
  // A typical parameter: bounds, step limits both ways, an HPA-style rate policy, cooldowns,
  // a deadband and a sustained requirement, vetted for a policy under per-policy and global caps.
  ParameterSpec p;
  p.name = "checkout.max_concurrency";
  p.type = ParamType::kInt;
  p.initial = 100;
  p.min = 10;
  p.max = 500;
  p.up.max_step = StepLimit{StepLimit::Unit::kPercent, 20};
  p.down.max_step = StepLimit{StepLimit::Unit::kPercent, 50};
  p.up.rate = {{{StepLimit::Unit::kAbsolute, 40}, 60 * kNanosPerSecond}};
  p.up.cooldown = 30 * kNanosPerSecond;
  p.down.cooldown = 10 * kNanosPerSecond;
  p.up.deadband = 2;
  p.sustained_m = 2;
  p.sustained_n = 3;
  p.policies = {"aimd"};
  Guard guard({p}, {}, {60, 240});
  const Proposal up = Proposal::set("aimd", "checkout.max_concurrency", 130.0);
  constexpr std::uint64_t kOps = 2'000'000;
  Nanos now = 0;
  figures.set("guard_vet_ns", ns_per_op(kOps, 7, [&] {
                for (std::uint64_t i = 0; i < kOps; ++i) {
                  const Verdict v = guard.vet(up, now);
                  keep(v.value);
                  now += kNanosPerMilli;
                }
              }));
}

}  // namespace setpoint::bench

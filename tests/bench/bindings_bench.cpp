// Figures for the policy runtime.
#include "harness.hpp"
#include "setpoint/bindings/policy_state.hpp"

namespace setpoint::bench {

void bindings_benchmarks(Figures& figures) {
  if (!selected("bindings")) return;
  SystemClock clock;
  // An idle policy: its state with the sandbox and a loaded module, nothing running.
  std::vector<double> sizes;
  for (int i = 0; i < 5; ++i) {
    bindings::PolicyState state("idle" + std::to_string(i), {}, clock);
    state.load("local aimd = {} return { every = '5s', evaluate = function(ctx) end }", "idle.lua");
    sizes.push_back(static_cast<double>(state.memory().used) / 1024);
  }
  figures.set("policy_state_kib", median(sizes));
}

}  // namespace setpoint::bench

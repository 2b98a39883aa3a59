// Cookbook: Setpoint embedded in a service, tuning its own bulkhead.
// The program owns a Bulkhead in front of a dependency that has 50 workers and answers in
// 20 ms when not queued (2,500 calls a second at most). Callers send 3,000 a second — a 1.2x
// overload — and the bulkhead starts with a limit of 2,000, far too generous: calls queue and
// latency climbs to the better part of a second. The engine runs inside the program on its own
// manual clock, with the seed policy policies/aimd_concurrency.lua unchanged; it reads the
// bulkhead's outcomes and latencies (recorded through a CallRecorder) and sets the limit
// through the inproc actuator, within the bounds and steps its config allows.
#include <cstdio>
#include <deque>

#include "embedded_engine.hpp"
#include "setpoint/resilience/bulkhead.hpp"

using namespace setpoint;

namespace {

const char* kConfig = R"(
engine: { tick: 1s, mode: enforce }
telemetry: { outcomes: { extra: [{ name: rejected, failure: true }] } }
policies:
  dir: POLICIES
  only: [aimd-concurrency]
  overrides:
    aimd-concurrency: { mode: enforce }
parameters:
  service.concurrency_limit:
    type: int
    initial: 2000
    min: 10
    max: 5000
    up: { max_step: 50, cooldown: 1s }
    down: { max_step: 75%, cooldown: 1s }
    policies: [aimd-concurrency]
    mode: enforce
    actuator: { type: inproc, key: concurrency_limit }
)";

}  // namespace

int main() {
  ManualClock clock(1'795'168'800LL * kNanosPerSecond);
  const auto started = cookbook::start_engine(kConfig, "aimd_bulkhead.yaml", clock);
  if (!started) return 1;
  runner::Engine& engine = *started;
  // The program's own bulkhead, its calls recorded where the policy reads them, its limit
  // bound to the parameter's inproc key.
  Adaptive<long long> limit(2000);
  CallRecorder recorder(engine.aggregator(), "http.server", {{"service", "checkout"}}, clock);
  Bulkhead bulkhead(limit, 0, &recorder);
  engine.inproc().bind("concurrency_limit", limit);
  engine.restart_schedules(clock.wall());

  // The dependency: 50 workers, 20 ms a call, shared when more are in flight.
  constexpr double kWorkers = 50, kBaseMs = 20, kArrivalsPerStep = 30;  // 3,000/s in 10 ms steps
  std::deque<std::pair<Nanos, double>> in_flight;                       // (finishes at, latency ms)
  long long admitted = 0, rejected = 0, completed = 0;
  double latency_sum = 0;
  std::printf("%6s %8s %10s %14s %12s\n", "t (s)", "limit", "in flight", "latency (ms)",
              "rejected/s");
  for (int step = 1; step <= 6000; ++step) {  // 60 s
    clock.advance(10 * kNanosPerMilli);
    const Nanos now = clock.wall();
    while (!in_flight.empty() && in_flight.front().first <= now) {
      bulkhead.release(CallOutcome::kSuccess, in_flight.front().second);
      latency_sum += in_flight.front().second;
      ++completed;
      in_flight.pop_front();
    }
    for (int i = 0; i < kArrivalsPerStep; ++i) {
      if (!bulkhead.try_acquire()) {
        ++rejected;
        continue;
      }
      ++admitted;
      // Processor sharing: beyond the workers, everyone waits their turn. FIFO completion.
      const double latency =
          kBaseMs * std::max(1.0, static_cast<double>(in_flight.size() + 1) / kWorkers);
      const Nanos finish = std::max(now + static_cast<Nanos>(latency * kNanosPerMilli),
                                    in_flight.empty() ? 0 : in_flight.back().first);
      in_flight.emplace_back(finish, latency);
    }
    engine.tick();
    if (step % 500 == 0) {
      std::printf("%6d %8lld %10zu %14.0f %12.0f\n", step / 100, limit.get(), in_flight.size(),
                  completed > 0 ? latency_sum / completed : 0.0, rejected / 5.0);
      rejected = 0;
      completed = 0;
      latency_sum = 0;
    }
  }
  engine.stop();
  // The seed policy's target is p99 ≤ 250 ms: about 600 in flight at 20 ms × in flight / 50.
  const long long final_limit = limit.get();
  std::printf("the limit went from 2000 to %lld; %lld calls admitted in 60 s\n", final_limit,
              admitted);
  return final_limit >= 400 && final_limit <= 800 ? 0 : 1;
}

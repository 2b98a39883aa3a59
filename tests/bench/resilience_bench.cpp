// The in-process resilience primitives, uncontended: one thread, the costs a caller pays per
// call — bare, and with the outcome recorded into the aggregator.
#include "harness.hpp"
#include "setpoint/resilience/bulkhead.hpp"
#include "setpoint/resilience/circuit_breaker.hpp"
#include "setpoint/resilience/rate_limiter.hpp"

namespace setpoint::bench {

void resilience_benchmarks(Figures& figures) {
  if (!selected("resilience")) return;
  constexpr std::uint64_t kOps = 10'000'000;
  SystemClock clock;
  AggregatorOptions options;
  options.outcomes.add("rejected", true);
  Aggregator aggregator(options);
  CallRecorder recorder(aggregator, "calls", {{"dep", "payments"}}, clock);

  Adaptive<long long> limit(1'000'000);
  Bulkhead bare(limit, 0);
  figures.set("bulkhead_acquire_release_ns", ns_per_op(kOps, 5, [&] {
                for (std::uint64_t i = 0; i < kOps; ++i) {
                  keep(bare.try_acquire());
                  bare.release();
                }
              }));
  Bulkhead recorded(limit, 0, &recorder);
  figures.set("bulkhead_recorded_ns", ns_per_op(kOps, 5, [&] {
                for (std::uint64_t i = 0; i < kOps; ++i) {
                  keep(recorded.try_acquire());
                  recorded.release(CallOutcome::kSuccess);
                }
              }));

  // A quota high enough that every check passes: the common case, and the CAS taken each time.
  Adaptive<double> rate(1e12), burst(1e6);
  RateLimiter limiter(rate, burst, clock);
  figures.set("rate_limiter_check_ns", ns_per_op(kOps, 5, [&] {
                for (std::uint64_t i = 0; i < kOps; ++i) keep(limiter.try_acquire());
              }));

  // One clock read per call (the caller needs it for the latency anyway), allow and record.
  BreakerSettings settings;
  CircuitBreaker breaker(settings, 10 * kNanosPerSecond);
  figures.set("circuit_breaker_call_ns", ns_per_op(kOps, 5, [&] {
                for (std::uint64_t i = 0; i < kOps; ++i) {
                  const Nanos now = clock.monotonic();
                  keep(breaker.allow(now));
                  breaker.record(CallOutcome::kSuccess, 1.0, now);
                }
              }));
}

}  // namespace setpoint::bench

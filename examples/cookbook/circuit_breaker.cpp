// Cookbook: a circuit breaker in front of a flaky dependency, on a manual clock.
// The dependency fails every call from t=10 s to t=40 s. The breaker opens once half the calls
// in its 10 s window fail (20 calls at least), rejects at once for 5 s, lets 3 probes through,
// and closes when they all succeed. Its calls are recorded into an aggregator, where a policy
// would read them (calls{dep=payments}: ok, error, rejected).
#include "setpoint/resilience/circuit_breaker.hpp"

#include <cstdio>

using namespace setpoint;

int main() {
  ManualClock clock(1'795'168'800LL * kNanosPerSecond);
  AggregatorOptions options;
  options.outcomes.add("rejected", true);
  Aggregator aggregator(options);
  CallRecorder recorder(aggregator, "calls", {{"dep", "payments"}}, clock);
  BreakerSettings settings;
  settings.failure_rate.set(0.5);
  settings.minimum_calls.set(20);
  settings.open_seconds.set(5);
  settings.probes.set(3);
  CircuitBreaker breaker(settings, 10 * kNanosPerSecond, &recorder);

  const char* names[] = {"closed", "open", "half-open"};
  auto last = breaker.state();
  const auto show = [&](double t) {
    if (breaker.state() == last) return;
    std::printf("t=%5.1fs  %-9s -> %s\n", t, names[static_cast<int>(last)],
                names[static_cast<int>(breaker.state())]);
    last = breaker.state();
  };
  int passed = 0, rejected = 0, failed = 0;
  // 10 calls a second for 60 s.
  for (int tick = 0; tick < 600; ++tick) {
    clock.advance(100 * kNanosPerMilli);
    const Nanos now = clock.monotonic();
    const double t = tick / 10.0;
    const bool allowed = breaker.allow(now);
    show(t);
    if (!allowed) {
      ++rejected;
      continue;
    }
    const bool broken = t >= 10 && t < 40;
    breaker.record(broken ? CallOutcome::kFailure : CallOutcome::kSuccess, broken ? 30.0 : 12.0,
                   now);
    broken ? ++failed : ++passed;
    show(t);
  }
  std::printf(
      "calls: %d succeeded, %d failed (reached the broken dependency), %d rejected by the "
      "breaker\n",
      passed, failed, rejected);
  std::printf(
      "the breaker opened %llu times; without it, 300 calls would have hit the broken dependency\n",
      static_cast<unsigned long long>(breaker.opened()));
  // What a policy would read: the recorded outcomes over the last minute.
  sketch::Accumulator scratch;
  const auto stats = aggregator.read(*aggregator.find("calls{dep=payments}"), clock.wall(),
                                     60 * kNanosPerSecond, scratch);
  std::printf("recorded over the last minute: %llu calls, %.0f %% of them failed or rejected\n",
              static_cast<unsigned long long>(stats->count), stats->error_rate * 100);
  return failed < 300 && breaker.state() == CircuitBreaker::State::kClosed ? 0 : 1;
}

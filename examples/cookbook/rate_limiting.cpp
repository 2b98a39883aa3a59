// Cookbook: adaptive per-client rate limiting, one abusive client tightened alone.
// Three clients share a KeyedRateLimiter with a quota of 50 calls a second each. From 10 s to
// 40 s "scraper" sends 500 a second. The engine, embedded on the program's clock, runs the seed
// policies/adaptive_rate_limit.lua unchanged: it reads each client's admitted and refused calls
// (recorded through CallRecorders), halves scraper's quota while most of its calls are over it,
// and gives it back slowly once scraper calms down; the other two never notice.
#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "embedded_engine.hpp"
#include "setpoint/resilience/call_recorder.hpp"
#include "setpoint/resilience/rate_limiter.hpp"

using namespace setpoint;

namespace {

const char* kConfig = R"(
engine: { tick: 1s, mode: enforce }
telemetry: { outcomes: { extra: [{ name: rejected, failure: true }] } }
policies:
  dir: POLICIES
  only: [adaptive-rate-limit]
  overrides:
    adaptive-rate-limit: { mode: enforce }
parameters:
)";

// Each client's quota: 1 to 50 calls a second, halved at most every 3 s, given back 5 at a time.
std::string quota(const std::string& client) {
  return "  ratelimit." + client +
         ".rps:\n    type: float\n    initial: 50\n    min: 1\n    max: 50\n" +
         "    up: { max_step: 5, cooldown: 1s }\n    down: { max_step: 50%, cooldown: 3s }\n" +
         "    policies: [adaptive-rate-limit]\n    mode: enforce\n    actuator: { type: inproc, "
         "key: " +
         client + " }\n";
}

struct Client {
  const char* name;
  int calm_per_s, busy_per_s;  // calls a second, outside and inside 10-40 s
  std::unique_ptr<Adaptive<double>> quota;
  std::unique_ptr<CallRecorder> recorder;
  long long allowed = 0, refused = 0;
};

}  // namespace

int main() {
  ManualClock clock(1'795'168'800LL * kNanosPerSecond);
  const auto started =
      cookbook::start_engine(kConfig + quota("checkout-web") + quota("mobile") + quota("scraper"),
                             "rate_limiting.yaml", clock);
  if (!started) return 1;
  runner::Engine& engine = *started;
  Adaptive<double> rate(50), burst(10);
  KeyedRateLimiter limiter(rate, burst, clock);
  std::array<Client, 3> clients{{{"checkout-web", 40, 40, nullptr, nullptr},
                                 {"mobile", 30, 30, nullptr, nullptr},
                                 {"scraper", 5, 500, nullptr, nullptr}}};
  for (auto& c : clients) {
    c.quota = std::make_unique<Adaptive<double>>(50);
    c.recorder = std::make_unique<CallRecorder>(engine.aggregator(), "ratelimit.requests",
                                                Labels{{"client", c.name}}, clock);
    engine.inproc().bind(c.name, *c.quota);
  }
  engine.restart_schedules(clock.wall());
  std::map<int, double> scraper_quota;  // by second
  std::printf("%6s %14s %8s %8s\n", "t (s)", "scraper quota", "allowed", "refused");
  for (int second = 0; second < 100; ++second) {
    long long allowed = 0, refused = 0;
    for (int ms = 0; ms < 1000; ms += 10) {  // 10 ms steps
      for (auto& c : clients) {
        limiter.set_key_rate(c.name, c.quota->get());  // the knob, applied where it is read
        const int per_s = second >= 10 && second < 40 ? c.busy_per_s : c.calm_per_s;
        const int before = (ms * per_s) / 1000, after = ((ms + 10) * per_s) / 1000;
        for (int i = before; i < after; ++i) {
          const bool ok = limiter.try_acquire_at(c.name, clock.monotonic());
          c.recorder->record(ok ? CallOutcome::kSuccess : CallOutcome::kRejected);
          (ok ? c.allowed : c.refused) += 1;
          if (std::string(c.name) == "scraper") (ok ? allowed : refused) += 1;
        }
      }
      clock.advance(10 * kNanosPerMilli);
      engine.tick();
    }
    scraper_quota[second] = clients[2].quota->get();
    if (second % 5 == 4)
      std::printf("%6d %14.0f %8lld %8lld\n", second + 1, scraper_quota[second], allowed, refused);
  }
  engine.stop();
  for (const auto& c : clients)
    std::printf("%-13s allowed %6lld  refused %6lld  quota now %.0f\n", c.name, c.allowed,
                c.refused, c.quota->get());
  // Scraper cut to a trickle during its burst and given most of its quota back by the end;
  // the other two never refused a call.
  const bool tightened = scraper_quota[39] <= 6;
  const bool relaxed = clients[2].quota->get() >= 25;
  const bool others_untouched = clients[0].refused == 0 && clients[1].refused == 0 &&
                                clients[0].quota->get() == 50 && clients[1].quota->get() == 50;
  return tightened && relaxed && others_untouched ? 0 : 1;
}

// Cookbook: per-client rate limiting, one abusive client tightened alone.
// Three clients share a quota of 50 calls a second each (burst 10). "scraper" sends 500 a
// second. A policy (here: three lines of C++ standing in for it) sees scraper's rejections
// and tightens scraper alone to 5 a second; the others never notice.
#include <cstdio>
#include <map>
#include <string>

#include "setpoint/rate_limiter.hpp"

using namespace setpoint;

int main() {
  ManualClock clock(0);
  Adaptive<double> rate(50), burst(10);
  KeyedRateLimiter limiter(rate, burst, clock);
  const std::map<std::string, int> per_second = {{"checkout-web", 40}, {"mobile", 30}, {"scraper", 500}};
  std::map<std::string, int> allowed, refused;
  for (int second = 0; second < 20; ++second) {
    if (second == 10) {
      limiter.set_key_rate("scraper", 5.0);  // what the adaptive_rate_limit policy would decide
      std::printf("t=10s  scraper tightened to 5/s\n");
    }
    std::map<std::string, int> ok_this_second;
    for (const auto& [client, n] : per_second) {
      for (int i = 0; i < n; ++i) {
        const Nanos at = second * kNanosPerSecond + static_cast<Nanos>(i) * kNanosPerSecond / n;
        if (limiter.try_acquire_at(client, at)) {
          ++allowed[client];
          ++ok_this_second[client];
        } else {
          ++refused[client];
        }
      }
    }
    if (second == 9 || second == 19) {
      std::printf("t=%ds  allowed this second:", second);
      for (const auto& [client, n] : ok_this_second) std::printf(" %s %d", client.c_str(), n);
      std::printf("\n");
    }
  }
  for (const auto& [client, n] : per_second) {
    std::printf("%-13s sent %5d, allowed %5d, refused %5d\n", client.c_str(), n * 20, allowed[client], refused[client]);
  }
  return refused["checkout-web"] == 0 && refused["mobile"] == 0 && allowed["scraper"] < 600 ? 0 : 1;
}

#pragma once
// The http actuator: POSTs the change as JSON. Transient failures (connection refused or
// reset, timeouts, 429 and 5xx) are retried with exponential backoff and full jitter, then the
// next URL is tried (failover). Permanent failures (other 4xx) are not retried. When every URL
// fails, the request goes to a bounded buffer on disk (JSON lines) that is delivered in order,
// before anything newer, once an endpoint answers again — and that survives restarts.
//
// A buffered request is reported as failed (not applied): the guard does not count it. The
// engine learns of its late delivery from replay().
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "setpoint/actuators/actuator.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint {

struct HttpActuatorOptions {
  std::vector<std::string> urls;  // "http://host:port/path": the primary, then the secondaries
  Nanos timeout = 5 * kNanosPerSecond;
  int attempts_per_url = 3;
  Nanos backoff_base = 100 * kNanosPerMilli;
  Nanos backoff_max = 2 * kNanosPerSecond;
  std::string buffer_path;  // empty: no buffer
  std::size_t buffer_max = 10'000;
  // How to wait between attempts; tests pass one that only records.
  std::function<void(Nanos)> sleep;
  std::uint64_t seed = 0;  // for the jitter; 0 takes one from the system
};

class HttpActuator final : public Actuator {
 public:
  explicit HttpActuator(HttpActuatorOptions options);

  ActuationResult apply(const Actuation& actuation) override;
  std::optional<ProposedValue> read_back(const std::string&) override { return std::nullopt; }

  // Delivers buffered requests in order while an endpoint accepts them; returns the bodies
  // delivered. Stops at the first that fails transiently; drops one that fails permanently.
  std::vector<std::string> replay();
  std::size_t buffered() const;

  static std::string body_of(const Actuation& actuation);

 private:
  enum class Outcome { kDelivered, kTransient, kPermanent };
  Outcome post_once(const std::string& url, const std::string& body, std::string& detail);
  Outcome deliver(const std::string& body, std::string& detail);
  Result<std::vector<std::string>> read_buffer() const;
  bool write_buffer(const std::vector<std::string>& lines);

  HttpActuatorOptions options_;
  std::mt19937_64 rng_;
};

}  // namespace setpoint

#pragma once
// The simulated service of `setpoint simulate`: a discrete-time fluid model, stepped on a
// manual clock.
//
//   arrivals (λ/s, from the schedule) ─► admission: in flight < concurrency limit, else rejected
//        ─► in flight: served at min(capacity μ/s, in flight / base time)
//
// By Little's law a request takes in flight / throughput: the base time while the service
// has room, longer as the queue the limit allows grows past its capacity; a request slower
// than the client's timeout is a timeout, its work wasted (not goodput). Every completion is recorded into the aggregator
// with a latency drawn around that mean (lognormal), so policies read it like real telemetry.
// Its knobs are Adaptive values the engine's inproc actuator drives.
#include <cstdint>
#include <random>
#include <string>

#include "setpoint/adaptive.hpp"
#include "setpoint/aggregator.hpp"

namespace setpoint::runner {

struct ServiceShape {
  std::string name = "checkout";  // its telemetry is http.server{service=<name>}
  double base_latency_ms = 50;  // unloaded service time
  double timeout_ms = 1000;     // the client gives up after this (a knob: timeout_ms)
  double jitter = 0.25;         // sigma of the lognormal latency around its mean
};

// One step's flows, in requests per second, and the latency of what completed.
struct ServiceStep {
  double offered = 0, admitted = 0, rejected = 0, completed = 0, goodput = 0, timed_out = 0;
  double latency_ms = 0;  // mean of this step's completions
  double queue = 0;       // requests in flight at the end of the step (waiting or in service)
};

class ServiceModel {
 public:
  ServiceModel(ServiceShape shape, Aggregator& aggregator, std::uint64_t seed);

  Adaptive<long long>& concurrency_limit() { return limit_; }
  Adaptive<double>& timeout_ms() { return timeout_; }  // the client's, starting at shape.timeout_ms

  // Advances `dt` at `now` (epoch ns) with `arrivals` and `capacity` (requests a second) and
  // the service's own latency `base_latency_ms`.
  ServiceStep step(Nanos now, Nanos dt, double arrivals, double capacity, double base_latency_ms);

 private:
  // Records the step's completions and rejections as events; counts goodput and timeouts.
  void record(Nanos now, Nanos dt, ServiceStep& s);

  ServiceShape shape_;
  Adaptive<long long> limit_{1'000'000};
  Adaptive<double> timeout_;
  double in_flight_ = 0;  // admitted, not yet completed
  double completions_carried_ = 0;  // fractions of events carried to the next step
  double rejections_carried_ = 0;
  SeriesHandle handle_;
  OutcomeIndex ok_, timeout_outcome_, rejected_;
  std::mt19937_64 rng_;
};

}  // namespace setpoint::runner

#pragma once
// The simulated service of `setpoint simulate`: a discrete-time fluid model, stepped on a
// manual clock.
//
//   arrivals (λ/s, from the schedule) + the clients' retries (within their retry budget)
//        ─► shedding: low-priority work admitted at `low_priority_admit`; critical never shed
//        ─► admission: in flight < concurrency limit, else rejected
//        ─► in flight: served at min(capacity μ/s, in flight / base time)
//        ─► a share fails (the dependency's error rate); degraded mode and fallbacks answer
//           part of it, recorded as outcome "degraded" (not a failure, but visible)
//
// By Little's law a request takes in flight / throughput: the base time while the service
// has room, longer as the queue the limit allows grows past its capacity; a request slower
// than the client's timeout is a timeout, its work wasted (not goodput). Every completion is
// recorded into the aggregator with a latency drawn around that mean (lognormal), so policies
// read it like real telemetry. A failed request (error, timeout, rejected, shed) is retried by
// its client at the next step while it has attempts left and the retry budget allows.
// Its knobs are Adaptive values the engine's inproc actuator drives.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "setpoint/base/adaptive.hpp"
#include "setpoint/windows/aggregator.hpp"

namespace setpoint::runner {

struct ServiceShape {
  std::string name = "checkout";  // its telemetry is http.server{service=<name>}
  double base_latency_ms = 50;    // unloaded service time
  double timeout_ms = 1000;       // the client gives up after this (a knob: timeout_ms)
  double jitter = 0.25;           // sigma of the lognormal latency around its mean
  int max_attempts = 1;           // a client's attempts per request (1: no retries)
  // The share of arrivals that is critical; with one, telemetry is labelled priority=critical
  // or priority=low, low-priority work can be shed, and the admission layer counts what
  // arrives of each as admission.requests{priority=…,service=…}.
  double critical_share = 0;
};

// What the world does to the service during one step.
struct Conditions {
  double arrivals = 0;  // new requests a second
  double capacity = 0;  // requests a second it can serve
  double base_latency_ms = 50;
  double error_rate = 0;  // the share of served requests its dependency fails
};

// One step's flows, in requests per second, and the latency of what completed.
struct ServiceStep {
  double offered = 0, admitted = 0, rejected = 0, completed = 0, goodput = 0, timed_out = 0,
         errors = 0;
  double retries = 0;  // of `admitted + rejected + shed`, the clients' retries
  double shed = 0;     // low-priority work turned away by the shedder
  double critical_offered = 0, critical_goodput = 0,
         critical_refused = 0;  // refused: shed or rejected
  double utilization = 0;       // served over capacity
  double latency_ms = 0;        // mean of this step's completions
  double queue = 0;             // requests in flight at the end of the step (waiting or in service)
};

class ServiceModel {
 public:
  ServiceModel(ServiceShape shape, Aggregator& aggregator, std::uint64_t seed);

  Adaptive<long long>& concurrency_limit() { return limit_; }
  Adaptive<double>& timeout_ms() { return timeout_; }  // the client's, starting at shape.timeout_ms
  Adaptive<double>& retry_ratio() { return retry_ratio_; }  // retries allowed per new request
  Adaptive<double>& low_priority_admit() {
    return low_admit_;
  }  // share of low-priority work let in
  Adaptive<double>& fallback_share() {
    return fallback_share_;
  }  // share of failures a fallback answers
  Adaptive<long long>& degradation() { return degradation_; }  // 0 green, 1 yellow, 2 red

  ServiceStep step(Nanos now, Nanos dt, const Conditions& c);

 private:
  // Requests of one priority and attempt number travel together.
  struct Cohort {
    bool critical = false;
    int attempt = 1;
    double arriving = 0, in_flight = 0, failed = 0;  // failed: waiting to be retried (events)
    double completions_carried = 0, rejections_carried = 0;  // fractions of events
    SeriesHandle* series = nullptr;
    SeriesHandle* arrivals = nullptr;  // the admission layer's count, with priorities
    double arrivals_carried = 0;
  };

  Cohort& cohort(bool critical, int attempt);
  void arrive(Nanos now, const Conditions& c, double seconds, ServiceStep& s);
  std::vector<double> admit(Nanos now, Nanos dt, double& in_flight, ServiceStep& s);
  // Records the step's completions and rejections of `k` as events; counts goodput, timeouts
  // and errors; what failed waits for its retry.
  void record(Cohort& k, Nanos now, Nanos dt, double completed, double rejected, double error_rate,
              ServiceStep& s);
  double answered_share()
      const;  // of the dependency's failures, what degraded mode and fallbacks answer

  ServiceShape shape_;
  Adaptive<long long> limit_{1'000'000};
  Adaptive<double> timeout_;
  Adaptive<double> retry_ratio_{1e9};  // unbounded until a budget is bound
  Adaptive<double> low_admit_{1.0};
  Adaptive<double> fallback_share_{0.0};
  Adaptive<long long> degradation_{0};
  std::vector<Cohort> cohorts_;
  SeriesHandle all_, critical_, low_, critical_arrivals_, low_arrivals_, retries_, cpu_;
  OutcomeIndex ok_, error_, timeout_outcome_, rejected_, degraded_;
  double retries_carried_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace setpoint::runner

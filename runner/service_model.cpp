#include "service_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace setpoint::runner {

ServiceModel::ServiceModel(ServiceShape shape, Aggregator& aggregator, std::uint64_t seed)
    : shape_(shape), timeout_(shape.timeout_ms), handle_(aggregator.resolve("http.server", {{"service", shape_.name}})), rng_(seed) {
  const OutcomeSet& outcomes = aggregator.outcomes();
  const auto ok = outcomes.find("ok"), timeout = outcomes.find("timeout"), rejected = outcomes.find("rejected");
  if (!ok || !timeout || !rejected) throw std::invalid_argument("the simulator needs the outcomes ok, timeout and rejected");
  ok_ = *ok;
  timeout_outcome_ = *timeout;
  rejected_ = *rejected;
}

ServiceStep ServiceModel::step(Nanos now, Nanos dt, double arrivals, double capacity, double base_latency_ms) {
  const double seconds = static_cast<double>(dt) / kNanosPerSecond;
  const double base_s = std::max(1e-3, base_latency_ms) / 1000;
  ServiceStep s;
  s.offered = arrivals;
  // Admission happens as requests arrive: at most up to the limit in flight.
  const double arriving = arrivals * seconds;
  const double room = std::max(0.0, static_cast<double>(limit_.get()) - in_flight_);
  const double admitted = std::min(arriving, room);
  in_flight_ += admitted;
  // Each request in flight needs the base time; together they cannot go faster than the
  // capacity. So throughput is min(capacity, in flight / base time), and by Little's law a
  // request takes in flight / throughput: the base time until the service saturates, longer
  // as the queue the limit allows grows beyond it.
  const double throughput = std::min(std::max(0.0, capacity), in_flight_ / base_s);
  const double latency_s = throughput > 0 ? std::max(base_s, in_flight_ / throughput) : timeout_.get() / 1000;
  const double served = std::min(in_flight_, throughput * seconds);
  in_flight_ -= served;
  s.admitted = admitted / seconds;
  s.rejected = (arriving - admitted) / seconds;
  s.completed = served / seconds;
  s.latency_ms = latency_s * 1000;
  s.queue = in_flight_;
  record(now, dt, s);
  return s;
}

void ServiceModel::record(Nanos now, Nanos dt, ServiceStep& s) {
  if (!handle_) return;
  const double seconds = static_cast<double>(dt) / kNanosPerSecond;
  // Whole events: fractions are carried over so rates come out exact over many steps.
  const auto whole = [&](double rate, double& carried) {
    carried += rate * seconds;
    const double n = std::floor(carried);
    carried -= n;
    return static_cast<std::int64_t>(n);
  };
  std::lognormal_distribution<double> latency(std::log(s.latency_ms) - shape_.jitter * shape_.jitter / 2, shape_.jitter);
  const std::int64_t completions = whole(s.completed, completions_carried_);
  for (std::int64_t i = 0; i < completions; ++i) {
    const double ms = latency(rng_);
    const Nanos at = now + dt * i / std::max<std::int64_t>(1, completions);
    if (ms > timeout_.get()) {
      handle_.record(at, timeout_.get(), timeout_outcome_);
      s.timed_out += 1 / seconds;
    } else {
      handle_.record(at, ms, ok_);
      s.goodput += 1 / seconds;
    }
  }
  const std::int64_t rejections = whole(s.rejected, rejections_carried_);
  for (std::int64_t i = 0; i < rejections; ++i) handle_.record(now + dt * i / std::max<std::int64_t>(1, rejections), rejected_);
}

}  // namespace setpoint::runner

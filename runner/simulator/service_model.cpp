#include "simulator/service_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace setpoint::runner {
namespace {

// Whole events out of a flow: the fraction is carried to the next step so counts come out
// exact over many steps.
std::int64_t whole(double amount, double& carried) {
  carried += amount;
  const double n = std::floor(carried);
  carried -= n;
  return static_cast<std::int64_t>(n);
}

// The mean wait in queue of an M/M/c/K queue: Poisson arrivals at `lambda` a second, `servers`
// each serving 1 / `service_s` a second, room for `room` more waiting (the concurrency limit
// beyond the servers). Below saturation, the fluid model has no waiting; this is the wait that
// random arrivals cause as load nears capacity (with 50 servers: ~1 ms at 84 %, ~4 ms at 90 %,
// ~90 ms at 99 %). Erlang B by its stable recursion, the queue's tail as geometric sums.
double queueing_wait_s(double lambda, double servers, double service_s, double room) {
  const double c = std::max(1.0, std::floor(servers));
  const double a = lambda * service_s, rho = a / c;
  if (lambda <= 0 || room < 1 || rho >= 1) return 0;
  double b = 1;  // Erlang B: the chance all servers are busy, had there been no queue
  for (double n = 1; n <= c; ++n) b = a * b / (n + a * b);
  const double m = std::min(room, 1e6), tail = std::pow(rho, m);
  const double g = rho * (1 - tail) / (1 - rho);  // sum of rho^j, j = 1..m
  const double h =
      rho * (1 - (m + 1) * tail + m * tail * rho) / ((1 - rho) * (1 - rho));  // sum of j rho^j
  const double queued = b * h / (1 + b * g);                                  // mean number waiting
  const double blocked = b * tail / (1 + b * g);
  return queued / (lambda * (1 - blocked));
}

}  // namespace

ServiceModel::ServiceModel(ServiceShape shape, Aggregator& aggregator, std::uint64_t seed)
    : shape_(shape), timeout_(shape.timeout_ms), rng_(seed) {
  const OutcomeSet& outcomes = aggregator.outcomes();
  const auto ok = outcomes.find("ok"), error = outcomes.find("error"),
             timeout = outcomes.find("timeout"), rejected = outcomes.find("rejected"),
             degraded = outcomes.find("degraded");
  if (!ok || !error || !timeout || !rejected || !degraded) {
    throw std::invalid_argument(
        "the simulator needs the outcomes ok, error, timeout, rejected and degraded");
  }
  degraded_ = *degraded;
  ok_ = *ok;
  error_ = *error;
  timeout_outcome_ = *timeout;
  rejected_ = *rejected;
  const bool priorities = shape_.critical_share > 0;
  if (priorities) {
    critical_ =
        aggregator.resolve("http.server", {{"priority", "critical"}, {"service", shape_.name}});
    low_ = aggregator.resolve("http.server", {{"priority", "low"}, {"service", shape_.name}});
    critical_arrivals_ = aggregator.resolve("admission.requests",
                                            {{"priority", "critical"}, {"service", shape_.name}});
    low_arrivals_ =
        aggregator.resolve("admission.requests", {{"priority", "low"}, {"service", shape_.name}});
  } else {
    all_ = aggregator.resolve("http.server", {{"service", shape_.name}});
  }
  retries_ = aggregator.resolve("http.client.retries", {{"service", shape_.name}});
  cpu_ = aggregator.resolve("process.cpu", {{"service", shape_.name}});
  for (const bool critical : {false, true}) {
    if (critical && !priorities) continue;
    for (int attempt = 1; attempt <= std::max(1, shape_.max_attempts); ++attempt) {
      Cohort k;
      k.critical = critical;
      k.attempt = attempt;
      k.series = priorities ? (critical ? &critical_ : &low_) : &all_;
      if (priorities) k.arrivals = critical ? &critical_arrivals_ : &low_arrivals_;
      cohorts_.push_back(k);
    }
  }
}

ServiceModel::Cohort& ServiceModel::cohort(bool critical, int attempt) {
  const int attempts = std::max(1, shape_.max_attempts);
  return cohorts_[static_cast<std::size_t>((critical ? attempts : 0) + attempt - 1)];
}

// New requests split by priority, plus the retries of what failed in the last step: as many
// as the budget allows (retry_ratio per new request), the rest given up by their clients.
void ServiceModel::arrive(Nanos now, const Conditions& c, double seconds, ServiceStep& s) {
  const double arriving = c.arrivals * seconds;
  const double share = shape_.critical_share;
  for (auto& k : cohorts_) k.arriving = 0;
  cohort(false, 1).arriving = arriving * (1 - share);
  if (share > 0) cohort(true, 1).arriving = arriving * share;
  double candidates = 0;
  for (const auto& k : cohorts_) {
    if (k.attempt < shape_.max_attempts) candidates += k.failed;
  }
  const double allowed = std::max(0.0, retry_ratio_.get()) * arriving;
  const double scale = candidates > 0 ? std::min(1.0, allowed / candidates) : 0;
  for (auto& k : cohorts_) {
    if (k.attempt < shape_.max_attempts)
      cohort(k.critical, k.attempt + 1).arriving += k.failed * scale;
    k.failed = 0;
  }
  s.retries = candidates * scale / seconds;
  if (retries_) {
    const std::int64_t n = whole(candidates * scale, retries_carried_);
    for (std::int64_t i = 0; i < n; ++i) retries_.record(now, ok_);
  }
}

double ServiceModel::answered_share() const {
  // Degraded mode answers from a cache or a simpler path what the failing dependency would
  // have failed: yellow half of it, red nearly all; a fallback answers its share of the rest.
  static constexpr double kDegraded[] = {0.0, 0.5, 0.9};
  const auto level = static_cast<std::size_t>(std::clamp<long long>(degradation_.get(), 0, 2));
  return 1 - (1 - kDegraded[level]) * (1 - std::clamp(fallback_share_.get(), 0.0, 1.0));
}

// The admission layer: counts what arrives of each priority, sheds low-priority work, then
// admits up to the limit in flight. Returns what each cohort had refused (shed or rejected);
// `in_flight` becomes what is in flight after admission.
std::vector<double> ServiceModel::admit(Nanos now, Nanos dt, double& in_flight, ServiceStep& s) {
  const double seconds = static_cast<double>(dt) / kNanosPerSecond;
  const double admit_low = std::clamp(low_admit_.get(), 0.0, 1.0);
  double wanting = 0;
  for (const auto& k : cohorts_) {
    in_flight += k.in_flight;
    wanting += k.critical ? k.arriving : k.arriving * admit_low;
  }
  const double room = std::max(0.0, static_cast<double>(limit_.get()) - in_flight);
  const double admit = wanting > 0 ? std::min(1.0, room / wanting) : 0;
  std::vector<double> rejected(cohorts_.size());
  for (std::size_t i = 0; i < cohorts_.size(); ++i) {
    Cohort& k = cohorts_[i];
    if (k.arrivals != nullptr && *k.arrivals) {
      const std::int64_t n = whole(k.arriving, k.arrivals_carried);
      for (std::int64_t j = 0; j < n; ++j) k.arrivals->record(now + dt * j / n, ok_);
    }
    const double shed = k.critical ? 0 : k.arriving * (1 - admit_low);
    const double admitted = (k.arriving - shed) * admit;
    k.in_flight += admitted;
    in_flight += admitted;
    rejected[i] = k.arriving - admitted;
    s.admitted += admitted / seconds;
    s.shed += shed / seconds;
    s.rejected += (k.arriving - shed - admitted) / seconds;
    if (k.critical) {
      s.critical_offered += k.arriving / seconds;
      s.critical_refused += rejected[i] / seconds;
    }
  }
  return rejected;
}

ServiceStep ServiceModel::step(Nanos now, Nanos dt, const Conditions& c) {
  const double seconds = static_cast<double>(dt) / kNanosPerSecond;
  const double base_s = std::max(1e-3, c.base_latency_ms) / 1000;
  ServiceStep s;
  s.offered = c.arrivals;
  arrive(now, c, seconds, s);
  double in_flight = 0;
  const std::vector<double> rejected = admit(now, dt, in_flight, s);
  // Each request in flight needs the base time; together they cannot go faster than the
  // capacity. So throughput is min(capacity, in flight / base time), and by Little's law a
  // request takes in flight / throughput: the base time until the service saturates, longer
  // as the queue the limit allows grows beyond it.
  const double capacity = std::max(0.0, c.capacity);
  const double throughput = std::min(capacity, in_flight / base_s);
  const double servers = capacity * base_s;
  double latency_s =
      throughput > 0 ? std::max(base_s, in_flight / throughput) : timeout_.get() / 1000;
  if (in_flight < servers) {  // not saturated: only the random arrivals' wait
    latency_s = base_s + queueing_wait_s(s.admitted, servers, base_s,
                                         static_cast<double>(limit_.get()) - servers);
  }
  const double served = std::min(in_flight, throughput * seconds);
  s.completed = served / seconds;
  s.latency_ms = latency_s * 1000;
  s.utilization =
      capacity > 0 ? s.completed / capacity : 1;  // the work done, not the rate it could go at
  const double error_rate = std::clamp(c.error_rate, 0.0, 1.0);
  for (std::size_t i = 0; i < cohorts_.size(); ++i) {
    Cohort& k = cohorts_[i];
    const double done = in_flight > 0 ? served * k.in_flight / in_flight : 0;
    k.in_flight -= done;
    record(k, now, dt, done, rejected[i], error_rate, s);
    s.queue += k.in_flight;
  }
  if (cpu_) cpu_.record(now, std::max(0.01, s.utilization * 100), ok_);
  return s;
}

void ServiceModel::record(Cohort& k, Nanos now, Nanos dt, double completed, double rejected,
                          double error_rate, ServiceStep& s) {
  const double seconds = static_cast<double>(dt) / kNanosPerSecond;
  SeriesHandle& series = *k.series;
  std::lognormal_distribution<double> latency(
      std::log(s.latency_ms) - shape_.jitter * shape_.jitter / 2, shape_.jitter);
  std::uniform_real_distribution<double> unit(0, 1);
  const std::int64_t completions = whole(completed, k.completions_carried);
  for (std::int64_t i = 0; i < completions; ++i) {
    const double ms = latency(rng_);
    const Nanos at = now + dt * i / std::max<std::int64_t>(1, completions);
    if (ms > timeout_.get()) {
      series.record(at, timeout_.get(), timeout_outcome_);
      s.timed_out += 1 / seconds;
      k.failed += 1;
    } else if (error_rate > 0 && unit(rng_) < error_rate) {
      if (unit(rng_) < answered_share()) {  // the dependency failed; the user got a degraded answer
        series.record(at, ms, degraded_);
        s.goodput += 1 / seconds;
        if (k.critical) s.critical_goodput += 1 / seconds;
        continue;
      }
      series.record(at, ms, error_);
      s.errors += 1 / seconds;
      k.failed += 1;
    } else {
      series.record(at, ms, ok_);
      s.goodput += 1 / seconds;
      if (k.critical) s.critical_goodput += 1 / seconds;
    }
  }
  const std::int64_t rejections = whole(rejected, k.rejections_carried);
  for (std::int64_t i = 0; i < rejections; ++i)
    series.record(now + dt * i / std::max<std::int64_t>(1, rejections), rejected_);
  k.failed += static_cast<double>(rejections);
}

}  // namespace setpoint::runner

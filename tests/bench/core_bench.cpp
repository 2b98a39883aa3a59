// Figures for the core: recording, ingest, quantile accuracy, memory, snapshot.
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/telemetry/file_source.hpp"
#include "setpoint/telemetry/ingest.hpp"
#include "setpoint/windows/aggregator.hpp"
#include "setpoint/windows/snapshot.hpp"

namespace setpoint::bench {
namespace {

constexpr Nanos kSec = kNanosPerSecond;
const Nanos kStart = *parse_rfc3339("2026-11-20T10:00:00Z");

std::vector<double> lognormal_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(std::log(40.0), 0.8);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<double> pareto_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> v(n);
  for (auto& x : v) x = 0.05 / std::pow(1.0 - u(rng), 1.0 / 1.2);
  return v;
}

// Records `ops` counter events into one series, 1 µs apart (a new 1 s bucket every million).
void record_counters(const SeriesHandle& h, std::uint64_t ops, Nanos start) {
  for (std::uint64_t i = 0; i < ops; ++i)
    h.record(start + static_cast<Nanos>(i) * 1000, OutcomeSet::kOk);
}

void record_benchmarks(Figures& figures) {
  constexpr std::uint64_t kOps = 20'000'000;
  {
    Aggregator agg({});
    auto h = agg.resolve("bench.counter", {});
    record_counters(h, 1'000'000, kStart);  // warm up: rings allocated and touched
    Nanos start = kStart + 10 * kSec;
    figures.set("record_counter_ns", ns_per_op(kOps, 7, [&] {
                  record_counters(h, kOps, start);
                  start += static_cast<Nanos>(kOps) * 1000;
                }));
  }
  {
    Aggregator agg({});
    auto h = agg.resolve("bench.latency", {});
    const auto values = lognormal_values(4096, 1);
    Nanos t = kStart;
    auto run = [&](std::uint64_t ops) {
      for (std::uint64_t i = 0; i < ops; ++i) {
        h.record(t, values[i & 4095], OutcomeSet::kOk);
        t += 1000;
      }
    };
    run(2'000'000);
    figures.set("record_latency_ns", ns_per_op(kOps, 7, [&] { run(kOps); }));
  }
  {
    // Throughput of two threads on two series, against one thread alone.
    Aggregator agg({});
    auto work = [&agg](int id, std::uint64_t ops) {
      auto h = agg.resolve("bench.scaling", {{"t", std::to_string(id)}});
      record_counters(h, ops, kStart);
    };
    std::vector<double> ratios;
    for (int r = 0; r < 7; ++r) {
      const double one = seconds(1, [&] { work(100 + r, kOps); });
      const double two = seconds(1, [&] {
        std::thread a(work, 200 + 2 * r, kOps);
        std::thread b(work, 201 + 2 * r, kOps);
        a.join();
        b.join();
      });
      ratios.push_back((2.0 * kOps / two) / (kOps / one));
    }
    figures.set("record_2threads_scaling", median(ratios));
  }
}

void accuracy_benchmarks(Figures& figures) {
  double worst = 0;
  for (const auto& values : {lognormal_values(200'000, 3), pareto_values(200'000, 4)}) {
    Aggregator agg({});
    auto h = agg.resolve("bench.accuracy", {});
    for (std::size_t i = 0; i < values.size(); ++i) {
      h.record(kStart + static_cast<Nanos>(i % 60) * kSec, values[i], OutcomeSet::kOk);
    }
    sketch::Accumulator scratch;
    const auto stats = agg.read(h.id(), kStart + 59 * kSec, 60 * kSec, scratch);
    auto sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const double exact =
        sorted[static_cast<std::size_t>(0.99 * static_cast<double>(sorted.size() - 1))];
    worst = std::max(worst, std::abs(stats->p99 - exact) / exact);
  }
  figures.set("p99_rel_error", worst);
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

void memory_benchmarks(Figures& figures) {
  // A series that has been busy for the whole 24 h horizon of the default windows: every
  // bucket of every resolution is in use.
  constexpr int kSeries = 20;
  {
    const std::size_t before = heap_in_use();
    Aggregator agg({});
    for (int s = 0; s < kSeries; ++s) {
      auto h = agg.resolve("bench.counter", {{"s", std::to_string(s)}});
      for (Nanos t = 0; t < 86400; ++t)
        h.record(kStart + t * kSec, t % 50 == 0 ? OutcomeSet::kError : OutcomeSet::kOk);
    }
    figures.set("bytes_per_counter_series", static_cast<double>(heap_in_use() - before) / kSeries);
  }
  {
    const auto values = lognormal_values(1 << 16, 5);
    const std::size_t before = heap_in_use();
    Aggregator agg({});
    std::size_t k = 0;
    for (int s = 0; s < kSeries; ++s) {
      auto h = agg.resolve("bench.latency", {{"s", std::to_string(s)}});
      for (Nanos t = 0; t < 86400 * 10; ++t) {  // 10 events a second
        h.record(kStart + t * (kSec / 10), values[k++ & 0xffff], OutcomeSet::kOk);
      }
    }
    figures.set("bytes_per_latency_series", static_cast<double>(heap_in_use() - before) / kSeries);
  }
}

void snapshot_benchmarks(Figures& figures) {
  AggregatorOptions options;
  options.max_series = 10'000;
  Aggregator agg(options);
  const auto values = lognormal_values(4096, 6);
  for (int s = 0; s < 10'000; ++s) {
    auto h = agg.resolve("http.server", {{"service", "svc" + std::to_string(s % 100)},
                                         {"route", "/r" + std::to_string(s / 100)}});
    for (int i = 0; i < 30; ++i)
      h.record(kStart + i * 2 * kSec, values[(s + i) & 4095], OutcomeSet::kOk);
  }
  const Nanos now = kStart + 60 * kSec;
  std::size_t bytes = 0;
  std::vector<SeriesWindow> windows;
  figures.set("snapshot_10k_read_ms",
              1e3 * seconds(5, [&] { windows = read_all(agg, now, 60 * kSec); }));
  figures.set("snapshot_10k_json_ms", 1e3 * seconds(5, [&] {
                                        bytes = snapshot_json(agg, windows, now, 60 * kSec).size();
                                      }));
  figures.set("snapshot_10k_series_ms", 1e3 * seconds(5, [&] {
                                          const auto all = read_all(agg, now, 60 * kSec);
                                          bytes = snapshot_json(agg, all, now, 60 * kSec).size();
                                        }));
  keep(bytes);
}

// A file of ~140-byte canonical events over 64 series, written once to /tmp.
std::string write_ingest_file(std::size_t events) {
  const std::string path = "/tmp/setpoint-bench-ingest.jsonl";
  std::FILE* f = std::fopen(path.c_str(), "w");
  const auto values = lognormal_values(4096, 7);
  const char* outcomes[] = {"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "error"};
  for (std::size_t i = 0; i < events; ++i) {
    const std::string ts = format_rfc3339(kStart + static_cast<Nanos>(i) * 100'000);
    std::fprintf(f,
                 "{\"ts\":\"%s\",\"metric\":\"http.server\",\"labels\":{\"service\":\"svc%02zu\","
                 "\"route\":\"/api/v1/r%zu\"},\"latency_ms\":%.3f,\"outcome\":\"%s\"}\n",
                 ts.c_str(), i % 16, i % 4, values[i & 4095], outcomes[i % 10]);
  }
  std::fclose(f);
  return path;
}

void ingest_benchmarks(Figures& figures) {
  constexpr std::size_t kEvents = 1'000'000;
  const std::string path = write_ingest_file(kEvents);
  std::uint64_t file_bytes = 0;
  std::uint64_t accepted = 0;

  const double ingest_s = seconds(5, [&] {
    ManualClock clock(kStart);
    Aggregator agg({});
    EventParser parser({}, OutcomeSet{});
    Ingest ingest(agg, parser, nullptr, clock, TimeBase::kEvents);
    FileSourceOptions options;
    options.path = path;
    FileSource source(options);
    while (source.poll(ingest) > 0) {
    }  // a poll reads at most max_poll_bytes
    file_bytes = source.status().bytes;
    accepted = ingest.counts().accepted;
  });
  if (accepted != kEvents)
    std::fprintf(stderr, "ingest accepted %llu of %zu\n", static_cast<unsigned long long>(accepted),
                 kEvents);

  std::uint64_t newlines = 0;
  const double scan_s = seconds(5, [&] {
    const int fd = ::open(path.c_str(), O_RDONLY);
    std::vector<char> buffer(1 << 20);
    newlines = 0;
    for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) > 0;) {
      const char* p = buffer.data();
      const char* end = p + n;
      while (
          (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
        ++newlines;
        ++p;
      }
    }
    ::close(fd);
  });
  keep(newlines);

  const double mb = static_cast<double>(file_bytes) / 1e6;
  figures.set("ingest_event_bytes", static_cast<double>(file_bytes) / kEvents);
  figures.set("ingest_mb_per_s", mb / ingest_s);
  figures.set("ingest_events_per_s", kEvents / ingest_s);
  figures.set("newline_scan_mb_per_s", mb / scan_s);
  figures.set("ingest_vs_scan", scan_s / ingest_s);
  ::unlink(path.c_str());
}

}  // namespace

void core_benchmarks(Figures& figures) {
  if (selected("record")) record_benchmarks(figures);
  if (selected("accuracy")) accuracy_benchmarks(figures);
  if (selected("memory")) memory_benchmarks(figures);
  if (selected("snapshot")) snapshot_benchmarks(figures);
  if (selected("ingest")) ingest_benchmarks(figures);
}

}  // namespace setpoint::bench

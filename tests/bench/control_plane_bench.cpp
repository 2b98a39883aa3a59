// The control plane under a slowloris attack, on the real `setpoint run`: /healthz's latency
// alone for 5 s, then for 30 s with fifty connections that each send their headers one byte
// every 100 ms (they hold a socket each until header_timeout cuts them, and connect again).
// The gate holds them on one epoll thread, so the probes should not notice.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "harness.hpp"
#include "support/daemon.hpp"
#include "support/raw_http.hpp"

namespace setpoint::bench {

namespace {

// One GET /healthz on a fresh connection, read to the close; its ms, or -1 if it failed.
double probe(int port) {
  const auto start = std::chrono::steady_clock::now();
  const std::string answer =
      testing::raw_request(port, "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n");
  if (answer.rfind("HTTP/1.1 200", 0) != 0) return -1;
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

double percentile(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1))];
}

// Probes 20 ms apart for `span`; failed ones are counted, not timed.
std::vector<double> probes(int port, std::chrono::seconds span, int& failed) {
  std::vector<double> times;
  for (const auto until = std::chrono::steady_clock::now() + span;
       std::chrono::steady_clock::now() < until;) {
    const double ms = probe(port);
    if (ms < 0)
      ++failed;
    else
      times.push_back(ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return times;
}

}  // namespace

void control_plane_benchmarks(Figures& figures) {
  if (!selected("control_plane")) return;
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  testing::write_file(dir.file("setpoint.yaml"),
                      "engine: { tick: 100ms, state_path: setpoint.db }\n"
                      "policies: { dir: policies }\n"
                      "control_plane: { listen: 127.0.0.1:0, header_timeout: 5s }\n");
  testing::Daemon daemon(dir.path().string(), {"--config", "setpoint.yaml"});
  if (daemon.port() <= 0) return;
  int failed = 0;
  const auto idle = probes(daemon.port(), std::chrono::seconds(5), failed);

  std::atomic<bool> stop{false};
  std::vector<std::thread> slow;
  for (int c = 0; c < 50; ++c) {
    slow.emplace_back([&] {
      const std::string request =
          "GET /v1/state HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(4000, 'a');
      while (!stop) {
        const int fd = testing::connect_to(daemon.port());
        if (fd < 0) continue;
        for (std::size_t i = 0; i < request.size() && !stop; ++i) {
          if (::send(fd, &request[i], 1, MSG_NOSIGNAL) < 0) break;  // cut: connect again
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ::close(fd);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // all fifty connected and trickling
  const auto attacked = probes(daemon.port(), std::chrono::seconds(30), failed);
  stop = true;
  for (auto& t : slow) t.join();
  daemon.signal(SIGTERM);
  daemon.wait_exit();
  if (idle.empty() || attacked.empty()) return;
  figures.set("healthz_ms", median(idle));
  figures.set("healthz_p99_ms", percentile(idle, 0.99));
  figures.set("healthz_under_slowloris_ms", median(attacked));
  figures.set("healthz_under_slowloris_p99_ms", percentile(attacked, 0.99));
  figures.set("healthz_under_slowloris_max_ms",
              *std::max_element(attacked.begin(), attacked.end()));
  figures.set("healthz_failed", failed);
}

}  // namespace setpoint::bench

// Against real HTTP servers on loopback ports; waits between retries are recorded, not slept.
#include "setpoint/actuators/http_actuator.hpp"

#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

namespace {

// A server answering each POST with the next status from `script` (the last one repeats).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<int> script) : script_(std::move(script)) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      const std::size_t n = hits_++;
      res.status = script_[std::min(n, script_.size() - 1)];
      if (res.status == 200) {
        std::lock_guard lock(mutex_);
        bodies_.push_back(req.body);
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Listening before anyone may stop it: a stop() that came first was lost, and the join in
    // the destructor waited for ever (a test that never called the server hung this way).
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::size_t hits() const { return hits_; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  void set_script(std::vector<int> script) {
    script_ = std::move(script);
    hits_ = 0;
  }

 private:
  httplib::Server server_;
  std::vector<int> script_;
  std::atomic<std::size_t> hits_{0};
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  int port_ = 0;
  std::thread thread_;
};

// A port nothing listens on: bound by a plain socket, then closed, so connects are refused.
std::string dead_url() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook";
}

struct Waits {
  std::vector<Nanos> seen;
  std::function<void(Nanos)> fn() {
    return [this](Nanos d) { seen.push_back(d); };
  }
};

Actuation change(double value) {
  return {"checkout.limit", "checkout.limit", value, {{"rule", std::string("geo")}},
          "aimd",           "p99 high",       0};
}

// One endpoint, one attempt, and a disk buffer of 100 requests at `buffer`.
HttpActuatorOptions buffered(const std::string& url, const std::string& buffer, Waits& waits) {
  return {{url}, kNanosPerSecond, 1, 100 * kNanosPerMilli, 2 * kNanosPerSecond, buffer,
          100,   waits.fn(),      1};
}

}  // namespace

TEST_CASE("http: the change is POSTed as JSON") {
  ScriptedServer server({200});
  Waits waits;
  HttpActuator http({{server.url()},
                     kNanosPerSecond,
                     3,
                     100 * kNanosPerMilli,
                     2 * kNanosPerSecond,
                     "",
                     100,
                     waits.fn(),
                     1});
  const auto result = http.apply(change(120));
  REQUIRE(result.ok());
  REQUIRE(server.bodies().size() == 1);
  const auto body = nlohmann::json::parse(server.bodies()[0]);
  CHECK(body["target"] == "checkout.limit");
  CHECK(body["value"] == 120);
  CHECK(body["args"]["rule"] == "geo");
  CHECK(body["who"] == "aimd");
  CHECK(waits.seen.empty());
}

TEST_CASE("http: transient failures are retried with jittered exponential backoff") {
  ScriptedServer server({503, 500, 200});
  Waits waits;
  HttpActuator http({{server.url()},
                     kNanosPerSecond,
                     3,
                     100 * kNanosPerMilli,
                     2 * kNanosPerSecond,
                     "",
                     100,
                     waits.fn(),
                     7});
  REQUIRE(http.apply(change(1)).ok());
  CHECK(server.hits() == 3);
  REQUIRE(waits.seen.size() == 2);
  CHECK(waits.seen[0] <= 100 * kNanosPerMilli);
  CHECK(waits.seen[1] <= 200 * kNanosPerMilli);
}

TEST_CASE("http: a permanent failure (4xx) is not retried") {
  ScriptedServer server({400});
  Waits waits;
  HttpActuator http({{server.url()},
                     kNanosPerSecond,
                     3,
                     100 * kNanosPerMilli,
                     2 * kNanosPerSecond,
                     "",
                     100,
                     waits.fn(),
                     1});
  const auto result = http.apply(change(1));
  CHECK(result.status == ActuationResult::Status::kFailed);
  CHECK(result.detail == server.url() + ": HTTP 400");
  CHECK(server.hits() == 1);
}

TEST_CASE("http: fails over to the secondary when the primary is down") {
  ScriptedServer secondary({200});
  Waits waits;
  HttpActuator http({{dead_url(), secondary.url()},
                     kNanosPerSecond,
                     2,
                     100 * kNanosPerMilli,
                     2 * kNanosPerSecond,
                     "",
                     100,
                     waits.fn(),
                     1});
  REQUIRE(http.apply(change(1)).ok());
  CHECK(secondary.hits() == 1);
  CHECK(waits.seen.size() == 1);  // one retry on the primary before failing over
}

TEST_CASE(
    "http: when all fail, requests wait on disk and are delivered in order, after a restart too") {
  TempDir dir;
  ScriptedServer server({503});
  Waits waits;
  const HttpActuatorOptions options = buffered(server.url(), dir.file("buffer.jsonl"), waits);
  {
    HttpActuator http(options);
    auto result = http.apply(change(1));
    CHECK(result.status == ActuationResult::Status::kFailed);
    CHECK(result.detail.find("buffered for delivery when an endpoint recovers (1 waiting)") !=
          std::string::npos);
    http.apply(change(2));
    CHECK(http.buffered() == 2);
  }
  server.set_script({200});
  HttpActuator restarted(options);
  CHECK(restarted.buffered() == 2);
  REQUIRE(restarted.apply(change(3)).ok());
  const auto bodies = server.bodies();
  REQUIRE(bodies.size() == 3);
  CHECK(nlohmann::json::parse(bodies[0])["value"] == 1);
  CHECK(nlohmann::json::parse(bodies[1])["value"] == 2);
  CHECK(nlohmann::json::parse(bodies[2])["value"] == 3);
  CHECK(restarted.buffered() == 0);
}

TEST_CASE("http: the buffer is bounded") {
  TempDir dir;
  Waits waits;
  HttpActuator http(
      {{dead_url()}, kNanosPerSecond, 1, 0, 0, dir.file("buffer.jsonl"), 2, waits.fn(), 1});
  http.apply(change(1));
  http.apply(change(2));
  const auto result = http.apply(change(3));
  CHECK(result.detail.find("the buffer is full (2), dropped") != std::string::npos);
  CHECK(http.buffered() == 2);
}

// A buffer it cannot read was taken as empty: the next failed delivery wrote a buffer of one
// request over every request waiting there, and a new request went ahead of them.
TEST_CASE("http: a buffer it cannot read refuses the request and is never written over") {
  TempDir dir;
  ScriptedServer server({200});
  Waits waits;
  const HttpActuatorOptions options = buffered(server.url(), dir.file("buffer.jsonl"), waits);
  REQUIRE(::mkfifo(dir.file("buffer.jsonl").c_str(), 0600) == 0);
  HttpActuator http(options);
  const auto refused = http.apply(change(1));
  CHECK(refused.status == ActuationResult::Status::kFailed);
  CHECK(refused.detail ==
        "cannot read the buffer: " + dir.file("buffer.jsonl") + ": is a FIFO, not a regular file");
  CHECK(server.bodies().empty());  // nothing overtook what may be waiting
  struct stat st {};
  REQUIRE(::stat(dir.file("buffer.jsonl").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));  // not replaced by a buffer of one
}

// What the CLI clients make of the engine's answers: the line a person reads, and the exit
// status a script reads.
#include "commands/client_command.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <thread>

#include "support/run_binary.hpp"

using namespace setpoint::runner;

namespace {

// A server on a loopback port that answers every connection with `answer(fd)`, until stopped.
class HostileServer {
 public:
  explicit HostileServer(std::function<void(int)> answer) : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 8) == 0);
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0 || stop_) break;
        char request[4096];
        (void)::recv(fd, request, sizeof request, 0);
        answer_(fd);
        ::close(fd);
      }
    });
  }
  ~HostileServer() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::function<void(int)> answer_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

bool send_all(int fd, const std::string& text) {
  return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

}  // namespace

// Whatever answers at --url may be hostile: an endless body, endless headers, a trickle. The
// CLI ends each with exit 1 and one line, within its --timeout, in bounded memory.
TEST_CASE("client: an endless, huge or trickling answer ends with exit 1 and says why") {
  SECTION("an endless body") {
    HostileServer server([](int fd) {
      if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")) return;
      const std::string chunk(1 << 16, '1');
      while (send_all(fd, chunk + ",")) {
      }
    });
    const auto run = setpoint::testing::run_setpoint("params --json --url " + server.url());
    CHECK(run.status == 1);
    CHECK(run.out ==
          "setpoint params: the answer from " + server.url() + " is larger than 64 MiB\n");
  }
  SECTION("endless headers") {
    HostileServer server([](int fd) {
      if (!send_all(fd, "HTTP/1.1 200 OK\r\n")) return;
      const std::string header = "X-Pad: " + std::string(4000, 'p') + "\r\n";
      while (send_all(fd, header)) {
      }
    });
    const auto run =
        setpoint::testing::run_setpoint("params --url " + server.url() + " --timeout 20s");
    CHECK(run.status == 1);
    const bool said =
        run.out.find("the answer is larger than any the engine sends") != std::string::npos ||
        run.out.find("no answer from") != std::string::npos;  // or httplib gave up first
    INFO(run.out);
    CHECK(said);
  }
  SECTION("a byte at a time, forever") {
    HostileServer server([](int fd) {
      if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")) return;
      while (send_all(fd, "[")) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    });
    const auto run =
        setpoint::testing::run_setpoint("params --url " + server.url() + " --timeout 1s");
    CHECK(run.status == 1);
    CHECK(run.out == "setpoint params: no complete answer within 1s from " + server.url() + "\n");
  }
  SECTION("a status line of 100 KB") {  // httplib's std::regex recursed through it and overflowed
                                        // the stack
    HostileServer server([](int fd) {
      send_all(fd, "HTTP/1.1 200 " + std::string(100000, 'O') + "\r\nContent-Length: 2\r\n\r\n[]");
    });
    const auto run =
        setpoint::testing::run_setpoint("params --url " + server.url() + " --timeout 10s");
    INFO(run.out);
    CHECK((run.status == 0 || run.status == 1));  // an answer or a refusal, never a signal
  }
  SECTION("valid JSON of another shape") {
    HostileServer server([](int fd) {
      const std::string body = R"([{"name":1},5,"x",null])";
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\n\r\n" + body);
    });
    for (const char* command :
         {"params", "policies", "proposals", "state", "approve 1", "reload"}) {
      const auto run =
          setpoint::testing::run_setpoint(std::string(command) + " --url " + server.url());
      INFO(command << ": " << run.out);
      CHECK(run.status == 0);
      CHECK(run.out.find("terminate") == std::string::npos);
    }
  }
}

TEST_CASE("client: a URL it cannot speak, or a bad --timeout, is refused with exit 2") {
  auto run = setpoint::testing::run_setpoint("params --url ftp://x");
  CHECK(run.status == 2);
  CHECK(run.out == "setpoint params: \"ftp://x\" is not a URL like http://127.0.0.1:9464\n");
  run = setpoint::testing::run_setpoint("params --timeout soon");
  CHECK(run.status == 2);
  CHECK(run.out == "setpoint params: --timeout \"soon\" is not a positive duration like 30s\n");
}

TEST_CASE("a word that names no command is said to be one, with the commands there are") {
  const auto run = setpoint::testing::run_setpoint("status");
  CHECK(run.status == 2);
  CHECK(
      run.out.rfind(
          "setpoint: \"status\" is not a command; the commands are stats, eval, check, test, run,",
          0) == 0);
}

TEST_CASE("client: errors name the command as it was typed") {
  // Nothing listens on port 1: the error says `setpoint rollout abort`, not rollout-abort.
  const auto run = setpoint::testing::run_setpoint(
      "rollout abort x@2026-12-01T00:00:00.000Z --url http://127.0.0.1:1 --timeout 2s");
  CHECK(run.status != 0);
  INFO(run.out);
  CHECK(run.out.rfind("setpoint rollout abort: ", 0) == 0);
}

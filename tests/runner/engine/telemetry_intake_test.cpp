// Telemetry entering the real daemon from its followed files when the path holds something
// hostile: a FIFO, /dev/zero behind a symlink, a directory. The daemon refuses each with a
// warning and a count, keeps serving, and SIGTERM ends it at once whatever the file is.
#include <httplib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/daemon.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint::testing;

namespace {

struct Setup {
  TempDir dir;
  Setup() {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(dir.file("setpoint.yaml"),
               "engine: { tick: 100ms, state_path: state/setpoint.db }\n"
               "telemetry:\n"
               "  sources: [{ file: live.jsonl }]\n"
               "policies: { dir: policies }\n"
               "control_plane: { listen: 127.0.0.1:0 }\n");
  }
  std::vector<std::string> args() const { return {"--config", "setpoint.yaml"}; }
};

std::string metrics(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  return res ? res->body : std::string();
}

}  // namespace

TEST_CASE(
    "telemetry: a FIFO, /dev/zero or a directory at a followed path is refused; SIGTERM still ends "
    "the daemon") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fifo", "is a FIFO"}, {"zero", "is a character device"}, {"dir", "is a directory"}};
  for (const auto& c : cases) {
    const std::string& kind = c.first;  // named, not bound: clang cannot capture a binding
    const std::string& said = c.second;
    INFO(kind);
    Setup s;
    const std::string path = s.dir.file("live.jsonl");
    if (kind == "fifo") REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    if (kind == "zero") std::filesystem::create_symlink("/dev/zero", path);
    if (kind == "dir") std::filesystem::create_directory(path);
    Daemon daemon(s.dir.path().string(), s.args());
    REQUIRE(daemon.port() > 0);
    REQUIRE(eventually([&] {
      return daemon.log().find("live.jsonl " + said + ", not a regular file: not followed") !=
             std::string::npos;
    }));
    CHECK(daemon.log().find("[warning] telemetry: ") != std::string::npos);
    CHECK(metrics(daemon.port())
              .find("setpoint_file_source_refused_total{file=\"live.jsonl\"} 1\n") !=
          std::string::npos);
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(std::chrono::seconds(5)) == 0);
  }
}

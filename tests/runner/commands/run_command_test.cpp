// `setpoint run` refuses what it cannot run, saying where and why, before it starts anything.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint::testing;

namespace {

struct Folder {
  TempDir dir;
  Folder() { std::filesystem::create_directories(dir.path() / "policies"); }
  BinaryRun run(const std::string& config, const std::string& extra = "") {
    write_file(dir.file("setpoint.yaml"), config);
    return run_setpoint("run --config " + dir.file("setpoint.yaml") + " " + extra);
  }
  std::string policies() const { return dir.file("policies"); }
};

}  // namespace

TEST_CASE("run: bad arguments and unusable config are named, and nothing starts") {
  Folder f;
  const std::string base = "policies: { dir: " + f.policies() +
                           " }\nengine: { state_path: " + f.dir.file("s.db") + " }\n";
  auto r = f.run(base, "--for soon");
  CHECK(r.status == 2);
  CHECK(r.out.find("--for \"soon\" is not a positive duration") != std::string::npos);

  r = f.run(base + "control_plane: { listen: localhost }\n");
  CHECK(r.status == 2);
  CHECK(r.out.find("setpoint.yaml:3:") != std::string::npos);
  CHECK(r.out.find("control_plane.listen: expected host:port") != std::string::npos);

  r = f.run("policies: { dir: " + f.dir.file("nowhere") +
            " }\nengine: { state_path: " + f.dir.file("s.db") + " }\n");
  CHECK(r.status == 1);
  CHECK(r.out.find("policies.dir: " + f.dir.file("nowhere") + " is not a folder") !=
        std::string::npos);
  CHECK_FALSE(
      std::filesystem::exists(f.dir.file("s.db")));  // a refused start makes nothing on disk

  write_file(f.dir.file("tokens.yaml"),
             "tokens:\n  - { name: a, role: root, token: 0123456789abcdefXYZ }\n");
  r = f.run(base + "control_plane: { tokens_file: " + f.dir.file("tokens.yaml") + " }\n");
  CHECK(r.status == 2);
  CHECK(r.out.find("tokens.yaml:2:") != std::string::npos);
  CHECK(r.out.find("tokens[0].role: expected viewer, operator, admin or ingest") !=
        std::string::npos);

  write_file(f.dir.file("tokens.yaml"), "tokens:\n  - { name: a, role: admin, token: short }\n");
  r = f.run(base + "control_plane: { tokens_file: " + f.dir.file("tokens.yaml") + " }\n");
  CHECK(r.out.find("a token must have at least 16 characters") != std::string::npos);

  r = f.run(base + "telemetry: { quarantine: /proc/none/q.jsonl }\n");
  CHECK(r.status == 1);
  CHECK(r.out.find("telemetry.quarantine: cannot open quarantine file /proc/none/q.jsonl") !=
        std::string::npos);
}

TEST_CASE("run: a port already taken is named") {
  Folder f;
  // Someone else holds a port.
  const int held = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(held, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(held, 1) == 0);
  socklen_t size = sizeof address;
  ::getsockname(held, reinterpret_cast<sockaddr*>(&address), &size);
  const std::string port = std::to_string(ntohs(address.sin_port));
  const auto r = f.run("policies: { dir: " + f.policies() +
                           " }\nengine: { state_path: " + f.dir.file("s.db") + " }\n",
                       "--for 100ms --listen 127.0.0.1:" + port);
  ::close(held);
  CHECK(r.status == 1);
  CHECK(r.out.find("control_plane.listen: cannot bind 127.0.0.1:" + port +
                   ": Address already in use") != std::string::npos);
}

TEST_CASE("run --for: a bounded run exits 0 with a summary") {
  Folder f;
  const auto r =
      f.run("policies: { dir: " + f.policies() + " }\nengine: { state_path: " + f.dir.file("s.db") +
                " }\ncontrol_plane: { listen: \"127.0.0.1:0\" }\n"
                "parameters:\n  flag: { type: bool, initial: true, policies: [p] }\n  tier: { "
                "type: enum, choices: [bronze, gold], initial: gold, policies: [p] }\n"
                "  ratio: { type: float, initial: 0.1, min: 0, max: 1, policies: [p] }\n",
            "--for 200ms --dry-run");
  INFO(r.out);
  CHECK(r.status == 0);
  // Values as people write them (a bool once printed as 0).
  CHECK(r.out.find("parameters now:\n  flag = true\n  tier = gold\n  ratio = 0.1\n") !=
        std::string::npos);
  CHECK(r.out.find("setpoint running in dry-run: 0 policies") != std::string::npos);
  CHECK(r.out.find("== Summary ==") != std::string::npos);
  CHECK(r.out.find("setpoint stopped") != std::string::npos);
}

#include "setpoint/telemetry/rejected_line_file.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

namespace {

std::size_t lines_in(const std::string& path) {
  std::istringstream in(setpoint::testing::read_file(path));
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    CHECK(nlohmann::json::parse(line)["reason"] == "malformed_json");
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("quarantine: a batch's lines are on disk once it is flushed, not at exit") {
  TempDir dir;
  const std::string path = dir.file("q.jsonl");
  RejectedLineFile q(path, nullptr);
  for (int i = 0; i < 3; ++i) q.add(0, Rejection::kMalformedJson, "not JSON", "http:1", "{bad");
  q.flush();  // the end of the batch; the object stays open, as in a daemon that is killed -9
  CHECK(lines_in(path) == 3);
  CHECK(q.written() == 3);
  // A batch of many is written before it ends.
  for (int i = 0; i < 2000; ++i)
    q.add(0, Rejection::kMalformedJson, "not JSON", "http:1", std::string(100, 'x'));
  CHECK(lines_in(path) > 3);
}

TEST_CASE("quarantine: rotated to .1 at its size cap, and what a rotation drops is counted") {
  TempDir dir;
  const std::string path = dir.file("q.jsonl");
  RejectedLineFile q(path, nullptr, 8192);
  for (int batch = 0; batch < 100; ++batch) {
    for (int i = 0; i < 10; ++i)
      q.add(0, Rejection::kMalformedJson, "not JSON", "http:1", std::string(200, 'x'));
    q.flush();
  }
  // 1000 lines of ~300 bytes: never more than twice the cap on disk.
  const auto size = std::filesystem::file_size(path);
  const auto rotated = std::filesystem::file_size(path + ".1");
  CHECK(size <= 8192);
  CHECK(rotated <= 8192);
  const std::size_t kept = lines_in(path) + lines_in(path + ".1");
  CHECK(q.written() == kept);
  CHECK(q.dropped() + kept == 1000);
  CHECK(q.dropped() > 0);
}

TEST_CASE("quarantine: a FIFO at its path is refused with a reason, not waited on") {
  TempDir dir;
  const std::string path = dir.file("q.fifo");
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  RejectedLineFile q(path, nullptr);
  CHECK_FALSE(q.ok());
  CHECK(q.error().rfind("cannot open quarantine file " + path + ": ", 0) == 0);
  q.add(0, Rejection::kMalformedJson, "not JSON", "http:1", "{bad");
  q.flush();
  CHECK(q.dropped() == 1);
}

#include "setpoint/telemetry/rejected_line_file.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/must.hpp"
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
  auto opened = must(RejectedLineFile::open(path, nullptr));
  RejectedLineFile& q = *opened;
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
  auto opened = must(RejectedLineFile::open(path, nullptr, 8192));
  RejectedLineFile& q = *opened;
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
  const auto q = RejectedLineFile::open(path, nullptr);
  CHECK_FALSE(q);
  CHECK(q.error().rfind("cannot open quarantine file " + path + ": ", 0) == 0);
}

TEST_CASE("quarantine: a batch the file cannot take is dropped and counted, the next is tried") {
  TempDir dir;
  const std::string path = dir.file("q.jsonl");
  auto q = must(RejectedLineFile::open(path, nullptr));
  // The file size limit fails the write part way (EFBIG), as a full disk would: the torn
  // line is taken back, or the next record would be appended to it.
  struct rlimit before {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &before) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit tiny = before;
  tiny.rlim_cur = 16;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &tiny) == 0);
  for (int i = 0; i < 3; ++i) q->add(0, Rejection::kMalformedJson, "not JSON", "http:1", "{bad");
  q->flush();
  ::setrlimit(RLIMIT_FSIZE, &before);
  std::signal(SIGXFSZ, old_handler);
  CHECK(q->dropped() == 3);
  CHECK(q->written() == 0);
  CHECK(lines_in(path) == 0);
  q->add(0, Rejection::kMalformedJson, "not JSON", "http:1", "{bad");
  q->flush();
  CHECK(q->written() == 1);
  CHECK(lines_in(path) == 1);
}

TEST_CASE("quarantine: a rotation that cannot rename drops the batch, so the cap still holds") {
  TempDir dir;
  const std::string path = dir.file("q.jsonl");
  // A folder at <path>.1 with a file in it: rename() onto it fails, even for root.
  std::filesystem::create_directories(path + ".1");
  setpoint::testing::write_file(path + ".1/keep", "x");
  auto q = must(RejectedLineFile::open(path, nullptr, 4096));
  for (int batch = 0; batch < 50; ++batch) {
    for (int i = 0; i < 10; ++i)
      q->add(0, Rejection::kMalformedJson, "not JSON", "http:1", std::string(200, 'x'));
    q->flush();
  }
  CHECK(std::filesystem::file_size(path) <= 4096);
  CHECK(q->written() == lines_in(path));
  CHECK(q->written() + q->dropped() == 500);
  CHECK(q->dropped() > 0);
}

#include "setpoint/actuators/file_actuator.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "setpoint/base/sha256.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::read_file;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

Actuation set_key(std::string key, ProposedValue value, Nanos at = 1) {
  return {"checkout.max_concurrency", std::move(key), std::move(value), {}, "aimd", "p99 high", at};
}

FileActuator actuator_for(const TempDir& dir, const std::string& name, const std::string& content) {
  write_file(dir.file(name), content);
  return FileActuator({dir.file(name), dir.file("history"), 30LL * 86400 * kNanosPerSecond});
}

}  // namespace

TEST_CASE("file actuator: sets a YAML key atomically and keeps every version") {
  TempDir dir;
  FileActuator file =
      actuator_for(dir, "app.yaml", "checkout:\n  max_concurrency: 100\n  timeout_ms: 250\n");
  const auto result = file.apply(set_key("checkout.max_concurrency", 120.0));
  REQUIRE(result.ok());
  CHECK(read_file(dir.file("app.yaml")) ==
        "checkout:\n  max_concurrency: 120\n  timeout_ms: 250\n");
  auto back = file.read_back("checkout.max_concurrency");
  REQUIRE(back);
  CHECK(std::get<double>(*back) == 120);
  const auto versions = file.versions();
  REQUIRE(versions.size() == 3);
  CHECK(versions[0].tag == "initial");
  CHECK(versions[1].state == "intent");
  CHECK(versions[2].state == "done");
  CHECK(versions[2].who == "aimd");
  CHECK(versions[2].why == "p99 high");
  CHECK(file.current_sha() == sha256_hex(read_file(dir.file("app.yaml"))));
  // The kept copy is byte for byte the file.
  CHECK(read_file(dir.file("history/" + file.current_sha() + ".yaml")) ==
        read_file(dir.file("app.yaml")));
  // No temporary files left behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 2);  // app.yaml and history/
}

TEST_CASE("file actuator: JSON files, new keys, bools and strings") {
  TempDir dir;
  FileActuator file = actuator_for(dir, "app.json", R"({"limits":{"rps":50}})");
  REQUIRE(file.apply(set_key("limits.rps", 62.5)).ok());
  REQUIRE(file.apply(set_key("limits.degraded", true)).ok());
  REQUIRE(file.apply(set_key("routing.mode", std::string("secondary"))).ok());
  const auto doc = nlohmann::json::parse(read_file(dir.file("app.json")));
  CHECK(doc["limits"]["rps"] == 62.5);
  CHECK(doc["limits"]["degraded"] == true);
  CHECK(doc["routing"]["mode"] == "secondary");
  CHECK(std::get<std::string>(*file.read_back("routing.mode")) == "secondary");
  CHECK(!file.read_back("routing.nothing"));
}

TEST_CASE("file actuator: a change made by hand is captured, never reverted") {
  TempDir dir;
  FileActuator file = actuator_for(dir, "app.yaml", "limit: 100\n");
  REQUIRE(file.apply(set_key("limit", 120.0)).ok());
  write_file(dir.file("app.yaml"), "limit: 5  # emergency, by hand\n");
  const auto result = file.apply(set_key("limit", 130.0, 2));
  CHECK(result.status == ActuationResult::Status::kDrift);
  CHECK(result.detail.find("changed outside Setpoint") != std::string::npos);
  CHECK(read_file(dir.file("app.yaml")) == "limit: 5  # emergency, by hand\n");
  const auto versions = file.versions();
  CHECK(versions.back().tag == "break-glass");
  CHECK(read_file(dir.file("history/" + versions.back().sha + ".yaml")) ==
        "limit: 5  # emergency, by hand\n");
  // The hand-made content is now what Setpoint builds on.
  REQUIRE(file.apply(set_key("limit", 6.0, 3)).ok());
  CHECK(read_file(dir.file("app.yaml")) == "limit: 6\n");
}

TEST_CASE("file actuator: roll back to any kept version") {
  TempDir dir;
  FileActuator file = actuator_for(dir, "app.yaml", "limit: 100\n");
  const std::string first = sha256_hex("limit: 100\n");
  REQUIRE(file.apply(set_key("limit", 120.0)).ok());
  REQUIRE(file.apply(set_key("limit", 140.0)).ok());
  const auto result = file.rollback(first, "operator:alice", "p99 got worse", 5);
  REQUIRE(result.ok());
  CHECK(read_file(dir.file("app.yaml")) == "limit: 100\n");
  CHECK(file.versions().back().tag == "rollback");
  CHECK(file.current_sha() == first);
  CHECK_FALSE(file.rollback("0000", "x", "y", 6).ok());
}

TEST_CASE("file actuator: versions older than the retention are cleaned up, not the current") {
  TempDir dir;
  write_file(dir.file("app.yaml"), "limit: 1\n");
  FileActuator file({dir.file("app.yaml"), dir.file("history"), 100});
  REQUIRE(file.apply(set_key("limit", 2.0, 10)).ok());
  REQUIRE(file.apply(set_key("limit", 3.0, 500)).ok());
  const std::size_t removed = file.clean_up(550);
  CHECK(removed == 3);  // the initial line and both lines of the first write
  CHECK(!std::filesystem::exists(dir.file("history/" + sha256_hex("limit: 1\n") + ".yaml")));
  CHECK(!std::filesystem::exists(dir.file("history/" + sha256_hex("limit: 2\n") + ".yaml")));
  CHECK(std::filesystem::exists(dir.file("history/" + file.current_sha() + ".yaml")));
  CHECK(file.clean_up(1'000'000) == 0);  // the current version always stays
  CHECK(file.current_sha() == sha256_hex("limit: 3\n"));
}

TEST_CASE("file actuator: faults are reported and leave the file alone") {
  TempDir dir;
  SECTION("the target file was deleted") {
    FileActuator file = actuator_for(dir, "app.yaml", "limit: 1\n");
    std::filesystem::remove(dir.file("app.yaml"));
    const auto result = file.apply(set_key("limit", 2.0));
    CHECK(result.status == ActuationResult::Status::kFailed);
    CHECK(result.detail.find("cannot open") != std::string::npos);
    CHECK(!std::filesystem::exists(dir.file("app.yaml")));
  }
  SECTION("the file does not parse") {
    FileActuator file = actuator_for(dir, "app.json", "{not json");
    CHECK(file.apply(set_key("limit", 2.0)).detail.find("cannot be parsed") != std::string::npos);
    CHECK(read_file(dir.file("app.json")) == "{not json");
  }
  SECTION("the key runs through a scalar") {
    FileActuator file = actuator_for(dir, "app.yaml", "limit: 1\n");
    CHECK(file.apply(set_key("limit.deeper", 2.0)).status == ActuationResult::Status::kFailed);
    CHECK(read_file(dir.file("app.yaml")) == "limit: 1\n");
  }
  SECTION("the directory is read-only") {
    if (::geteuid() == 0)
      SUCCEED("root ignores directory permissions; covered by the full-disk case");
    else {
      FileActuator file = actuator_for(dir, "app.yaml", "limit: 1\n");
      REQUIRE(file.apply(set_key("limit", 2.0)).ok());
      ::chmod(dir.path().c_str(), 0555);
      CHECK(file.apply(set_key("limit", 3.0)).status == ActuationResult::Status::kFailed);
      ::chmod(dir.path().c_str(), 0755);
      CHECK(read_file(dir.file("app.yaml")) == "limit: 2\n");
    }
  }
}

TEST_CASE("file actuator: a full disk fails the write and keeps the old content") {
  // /dev/full accepts opens and fails every write with ENOSPC: the history directory there
  // cannot be created, so nothing is written anywhere and the target is untouched.
  TempDir dir;
  write_file(dir.file("app.yaml"), "limit: 1\n");
  FileActuator file({dir.file("app.yaml"), "/dev/full/history", 100});
  const auto result = file.apply(set_key("limit", 2.0));
  CHECK(result.status == ActuationResult::Status::kFailed);
  CHECK(read_file(dir.file("app.yaml")) == "limit: 1\n");
}

TEST_CASE("file actuator: an intent without a result is reconciled from the file") {
  TempDir dir;
  FileActuator file = actuator_for(dir, "app.yaml", "limit: 1\n");
  REQUIRE(file.apply(set_key("limit", 2.0)).ok());
  // As if the process died between the intent line and the rename: the file holds the old.
  setpoint::testing::append_file(
      dir.file("history/index.jsonl"),
      R"({"sha":")" + sha256_hex("limit: 3\n") +
          R"(","at":5,"who":"aimd","why":"x","tag":"setpoint","state":"intent"})"
          "\n");
  REQUIRE(file.apply(set_key("limit", 4.0, 6)).ok());
  auto versions = file.versions();
  CHECK(versions[versions.size() - 3].state == "abandoned");
  // And as if it died after the rename, before the done line: the file holds the new.
  setpoint::testing::append_file(
      dir.file("history/index.jsonl"),
      R"({"sha":")" + sha256_hex("limit: 5\n") +
          R"(","at":7,"who":"aimd","why":"x","tag":"setpoint","state":"intent"})"
          "\n");
  write_file(dir.file("app.yaml"), "limit: 5\n");
  REQUIRE(file.apply(set_key("limit", 6.0, 8)).ok());
  versions = file.versions();
  CHECK(versions[versions.size() - 3].state == "done");
  CHECK(versions[versions.size() - 3].sha == sha256_hex("limit: 5\n"));
}

TEST_CASE("file actuator: a torn index line (a crash mid-append) does not swallow the next") {
  TempDir dir;
  FileActuator file = actuator_for(dir, "app.yaml", "limit: 1\n");
  REQUIRE(file.apply(set_key("limit", 2.0)).ok());
  setpoint::testing::append_file(dir.file("history/index.jsonl"), R"({"sha":"abc","at":)");
  REQUIRE(file.apply(set_key("limit", 3.0)).ok());
  CHECK(file.current_sha() == sha256_hex("limit: 3\n"));
  CHECK(file.versions().back().state == "done");
}

TEST_CASE("file actuator: kill -9 at any moment leaves the old or the new content", "[crash]") {
  TempDir dir;
  write_file(dir.file("app.yaml"), "limit: 0\n");
  std::mt19937 rng(42);
  for (int round = 0; round < 100; ++round) {
    int progress[2];
    REQUIRE(::pipe(progress) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(progress[0]);
      FileActuator file(
          {dir.file("app.yaml"), dir.file("history"), 30LL * 86400 * kNanosPerSecond});
      for (int i = 1;; ++i) {
        file.apply({"limit",
                    "limit",
                    static_cast<double>(round * 1000 + i),
                    {},
                    "child",
                    "crash test",
                    i});
        const char tick = 1;
        if (::write(progress[1], &tick, 1) != 1) ::_exit(0);
      }
    }
    ::close(progress[1]);
    // Let a random number of writes complete, then kill the child wherever it is.
    const int writes = static_cast<int>(rng() % 3);
    char tick;
    for (int i = 0; i < writes && ::read(progress[0], &tick, 1) == 1; ++i) {
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(progress[0]);

    const std::string content = read_file(dir.file("app.yaml"));
    REQUIRE(content.rfind("limit: ", 0) == 0);
    REQUIRE(content.back() == '\n');
    // The next actuator reconciles: the audit says which version is current, and it is the file.
    FileActuator after({dir.file("app.yaml"), dir.file("history"), 30LL * 86400 * kNanosPerSecond});
    const auto result = after.apply({"limit", "limit", -1.0, {}, "parent", "check", 0});
    REQUIRE(result.status != ActuationResult::Status::kDrift);
    // No intent is left open, and the version the index calls current is the file.
    REQUIRE(after.versions().back().state == "done");
    REQUIRE(after.current_sha() == sha256_hex(read_file(dir.file("app.yaml"))));
  }
}

// An index it cannot read (too large, a FIFO, unreadable) once read as "no history": the hand
// edit in the file was then taken as the first version and written over, with no drift.
TEST_CASE("file actuator: a history index it cannot read refuses the change and keeps the file") {
  TempDir dir;
  FileActuator file = actuator_for(dir, "app.yaml", "checkout:\n  max_concurrency: 100\n");
  REQUIRE(file.apply(set_key("checkout.max_concurrency", 120.0)).ok());
  write_file(dir.file("app.yaml"), "checkout:\n  max_concurrency: 111\n");  // by hand
  std::filesystem::rename(dir.file("history/index.jsonl"), dir.file("index.saved"));
  REQUIRE(::mkfifo(dir.file("history/index.jsonl").c_str(), 0600) == 0);
  const auto refused = file.apply(set_key("checkout.max_concurrency", 150.0));
  CHECK(refused.status == ActuationResult::Status::kFailed);
  CHECK(refused.detail == "cannot read the history index: " + dir.file("history/index.jsonl") +
                              ": is a FIFO, not a regular file");
  CHECK(read_file(dir.file("app.yaml")) == "checkout:\n  max_concurrency: 111\n");  // kept
  CHECK(file.clean_up(Nanos{1} << 62) == 0);  // nothing rewritten over an index it cannot read
  std::filesystem::remove(dir.file("history/index.jsonl"));
  std::filesystem::rename(dir.file("index.saved"), dir.file("history/index.jsonl"));
  const auto drift = file.apply(set_key("checkout.max_concurrency", 150.0));
  CHECK(drift.status == ActuationResult::Status::kDrift);  // readable again: the edit is seen
}

TEST_CASE("file actuator: two on one file, however spelled, edit it in turn from two threads") {
  TempDir dir;
  write_file(dir.file("app.json"), "{\"a\": 0, \"b\": 0}");
  const std::string history = dir.file("history");
  FileActuator a({dir.file("app.json"), history, 0});
  FileActuator b({(dir.path() / "." / "app.json").string(), history, 0});  // the same file
  std::vector<std::string> failures;
  std::mutex failures_mutex;
  const auto writer = [&](FileActuator& actuator, const char* key) {
    for (int i = 1; i <= 100; ++i) {
      const auto result = actuator.apply(set_key(key, static_cast<double>(i), i));
      if (!result.ok()) {
        std::lock_guard lock(failures_mutex);
        failures.push_back(result.detail);
      }
    }
  };
  std::thread first(writer, std::ref(a), "a"), second(writer, std::ref(b), "b");
  first.join();
  second.join();
  INFO((failures.empty() ? "" : failures.front()));
  CHECK(failures.empty());  // no write lost, none taken for drift
  const auto doc = nlohmann::json::parse(read_file(dir.file("app.json")));
  CHECK(doc["a"] == 100);
  CHECK(doc["b"] == 100);
}

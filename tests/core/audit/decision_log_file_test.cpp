#include "setpoint/audit/decision_log_file.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::read_file;
using setpoint::testing::TempDir;

TEST_CASE("decision log: each record is one line, appended") {
  TempDir dir;
  testing::write_file(dir.file("decisions.jsonl"), "{\"id\":1}\n");
  const auto log = must(DecisionLogFile::open(dir.file("decisions.jsonl")));
  CHECK(log->write("{\"id\":2}"));
  log->sink()("{\"id\":3}");
  CHECK(read_file(dir.file("decisions.jsonl")) == "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
  CHECK(log->failed_writes() == 0);
}

TEST_CASE("decision log: a file it cannot open says so; a write that fails is counted") {
  TempDir dir;
  const auto missing = DecisionLogFile::open(dir.file("no/such/folder/decisions.jsonl"));
  CHECK_FALSE(missing);
  CHECK(missing.error() == "cannot open the decision log " +
                               dir.file("no/such/folder/decisions.jsonl") +
                               ": No such file or directory");

  const auto full = must(DecisionLogFile::open("/dev/full"));  // every write: ENOSPC
  CHECK_FALSE(full->write("{\"id\":1}"));
  const auto second = full->write("{\"id\":2}");
  CHECK_FALSE(second);
  CHECK(full->failed_writes() == 2);
  CHECK(second.error() == "cannot write the decision log /dev/full: No space left on device");
}

TEST_CASE("decision log: a FIFO no one reads is refused at once, not waited on") {
  TempDir dir;
  const std::string path = dir.file("decisions.fifo");
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  const auto opened = DecisionLogFile::open(path);
  CHECK_FALSE(opened);
  CHECK(opened.error() == "cannot open the decision log " + path +
                              ": No such device or address (a FIFO that no one reads)");
}

TEST_CASE("decision log: a line a full disk tears is taken back; the next line is whole") {
  TempDir dir;
  const std::string path = dir.file("decisions.jsonl");
  const auto log = must(DecisionLogFile::open(path));
  REQUIRE(log->write("{\"id\":1}"));
  // The file size limit fails the write part way (EFBIG), as a full disk would.
  struct rlimit before {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &before) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit tiny = before;
  tiny.rlim_cur = 16;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &tiny) == 0);
  const auto torn = log->write("{\"id\":2,\"detail\":\"longer than what fits\"}");
  ::setrlimit(RLIMIT_FSIZE, &before);
  std::signal(SIGXFSZ, old_handler);
  CHECK_FALSE(torn);
  CHECK(torn.error() == "cannot write the decision log " + path + ": File too large");
  CHECK(log->failed_writes() == 1);
  REQUIRE(log->write("{\"id\":3}"));
  CHECK(read_file(path) == "{\"id\":1}\n{\"id\":3}\n");
}

TEST_CASE("decision log: a FIFO whose reader stalls drops the line after a bounded wait") {
  TempDir dir;
  const std::string path = dir.file("decisions.fifo");
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  const auto log = must(DecisionLogFile::open(path));
  const std::string line(1000, 'x');  // under PIPE_BUF: a pipe takes it whole or not at all
  int written = 0;
  Result<void> last;
  while ((last = log->write(line)) && written < 1000) ++written;  // until the pipe is full
  REQUIRE_FALSE(last);
  CHECK(last.error() ==
        "cannot write the decision log " + path + ": its reader took nothing for 100 ms");
  CHECK(log->failed_writes() == 1);
  std::string got;
  char buffer[65536];
  for (ssize_t n; (n = ::read(reader, buffer, sizeof buffer)) > 0;) got.append(buffer, n);
  CHECK(got.size() == static_cast<std::size_t>(written) * (line.size() + 1));
  CHECK(got.find_first_not_of("x\n") == std::string::npos);
  // The reader goes away: a failed write, not the end of the process.
  ::close(reader);
  const auto old_handler = std::signal(SIGPIPE, SIG_IGN);  // as `setpoint run` does
  const auto gone = log->write(line);
  std::signal(SIGPIPE, old_handler);
  CHECK(gone.error() == "cannot write the decision log " + path + ": Broken pipe");
}

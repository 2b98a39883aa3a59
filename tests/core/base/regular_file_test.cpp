#include "setpoint/base/regular_file.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

TEST_CASE(
    "a regular file is read whole, through a symlink too (a ConfigMap's files are symlinks)") {
  TempDir dir;
  testing::write_file(dir.file("a.lua"), "return {}\n");
  std::filesystem::create_symlink(dir.file("a.lua"), dir.file("link.lua"));
  CHECK(*read_regular_file(dir.file("a.lua"), 1024) == "return {}\n");
  CHECK(*read_regular_file(dir.file("link.lua"), 1024) == "return {}\n");
  CHECK(check_regular_file(dir.file("link.lua"), 1024).ok());
  testing::write_file(dir.file("empty"), "");
  CHECK(*read_regular_file(dir.file("empty"), 1024) == "");
}

TEST_CASE(
    "what is not a regular file is refused at once, never read: a FIFO, a device, a directory") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) ==
          0);  // no writer: a blocking open() would wait for ever
  std::filesystem::create_symlink("/dev/zero", dir.file("zero.lua"));
  const auto fifo = read_regular_file(dir.file("fifo"), 1024);
  CHECK_FALSE(fifo);
  CHECK(fifo.error() == dir.file("fifo") + ": is a FIFO, not a regular file");
  const auto zero = read_regular_file(dir.file("zero.lua"), 1024);
  CHECK_FALSE(zero);
  CHECK(zero.error() == dir.file("zero.lua") + ": is a character device, not a regular file");
  const auto folder = read_regular_file(dir.path().string(), 1024);
  CHECK_FALSE(folder);
  CHECK(folder.error() == dir.path().string() + ": is a directory, not a regular file");
  CHECK(check_regular_file(dir.file("fifo"), 1024).error() ==
        dir.file("fifo") + ": is a FIFO, not a regular file");
}

TEST_CASE(
    "a file over the size cap is refused with the cap, a missing one with the system's words") {
  TempDir dir;
  testing::write_file(dir.file("big"), std::string(2049, 'x'));
  const auto big = read_regular_file(dir.file("big"), 2048);
  CHECK_FALSE(big);
  CHECK(big.error() == dir.file("big") + ": is larger than 2 KiB");
  CHECK(read_regular_file(dir.file("big"), 2049)->size() == 2049);
  const auto gone = read_regular_file(dir.file("gone"), 2048);
  CHECK_FALSE(gone);
  CHECK(gone.error() == "cannot open " + dir.file("gone") + ": No such file or directory");
  CHECK(check_regular_file(dir.file("gone"), 10, true).ok());
  CHECK(check_regular_file(dir.file("gone"), 10).error() ==
        "cannot open " + dir.file("gone") + ": No such file or directory");
}

TEST_CASE("a file the kernel makes up as it is read is refused: /proc, /sys") {
  const auto kernel = read_regular_file("/proc/self/status", 1 << 20);
  CHECK_FALSE(kernel);
  CHECK(kernel.error() ==
        "/proc/self/status: is a file the kernel makes up as it is read (/proc, /sys), not one on "
        "disk");
  CHECK(check_regular_file("/proc/self/maps", 1 << 20).error() ==
        "/proc/self/maps: is a file the kernel makes up as it is read (/proc, /sys), not one on "
        "disk");
}

TEST_CASE("a path inside its folder is one; a symlink or .. out of it is said to lead out") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies" / "..data");
  write_file(dir.file("policies/..data/a.lua"), "x");
  std::filesystem::create_symlink("..data/a.lua",
                                  dir.file("policies/a.lua"));  // a ConfigMap's shape
  std::filesystem::create_symlink("/etc/passwd", dir.file("policies/leak.lua"));
  write_file(dir.file("outside.lua"), "x");
  const std::string folder = dir.file("policies");
  CHECK(check_inside_folder(folder, folder + "/a.lua").ok());
  CHECK(check_inside_folder(folder, folder + "/not-yet-there.lua").ok());
  CHECK(check_inside_folder(folder, folder + "/leak.lua").error() ==
        folder + "/leak.lua: leads out of " + folder + " (a symlink to /etc/passwd?); not read");
  CHECK_FALSE(check_inside_folder(folder, folder + "/../outside.lua").ok());
}

TEST_CASE("a file of our own is read as its non-empty lines, under the same rules") {
  TempDir dir;
  const auto absent = read_lines(dir.file("absent.jsonl"), 1024);
  CHECK(absent->empty());
  CHECK(absent.error().empty());  // not there yet: no lines, no error
  write_file(dir.file("index.jsonl"), "{\"a\":1}\n\n{\"b\":2}\n{\"torn\":");
  const auto lines = read_lines(dir.file("index.jsonl"), 1024);
  CHECK(*lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"torn\":"});
  CHECK(lines.error().empty());
  const auto small = read_lines(dir.file("index.jsonl"), 8);
  CHECK_FALSE(small);
  CHECK(small.error() == dir.file("index.jsonl") + ": is larger than 8 bytes");
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  const auto fifo = read_lines(dir.file("fifo"), 1024);  // never waits for a writer
  CHECK_FALSE(fifo);
  CHECK(fifo.error() == dir.file("fifo") + ": is a FIFO, not a regular file");
}

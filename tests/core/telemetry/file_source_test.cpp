#include "setpoint/telemetry/file_source.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::append_file;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

struct Collect final : LineSink {
  std::vector<std::string> lines;
  std::vector<std::uint64_t> numbers;
  std::vector<std::uint64_t> too_long;
  void line(std::string_view text, SourcePos pos) override {
    lines.emplace_back(text);
    numbers.push_back(pos.line);
  }
  void line_too_long(std::uint64_t bytes, SourcePos, std::string_view) override {
    too_long.push_back(bytes);
  }
};

FileSourceOptions options_for(const TempDir& dir, bool checkpoint = false) {
  FileSourceOptions o;
  o.path = dir.file("events.jsonl");
  if (checkpoint) o.checkpoint_path = dir.file("events.checkpoint");
  o.read_chunk = 16;  // small reads exercise lines split across reads
  o.max_line_bytes = 64;
  return o;
}

}  // namespace

TEST_CASE("follows appends and holds a partial line until its newline") {
  TempDir dir;
  FileSource source(options_for(dir));
  Collect sink;
  write_file(dir.file("events.jsonl"), "one\ntwo\nthr");
  CHECK(source.poll(sink) == 2);
  CHECK(sink.lines == std::vector<std::string>{"one", "two"});
  append_file(dir.file("events.jsonl"), "ee\nfour\n");
  CHECK(source.poll(sink) == 2);
  CHECK(sink.lines == std::vector<std::string>{"one", "two", "three", "four"});
  CHECK(sink.numbers == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(source.poll(sink) == 0);
  CHECK(source.status().bytes == 19);
}

TEST_CASE("a file that appears later is picked up") {
  TempDir dir;
  FileSource source(options_for(dir));
  Collect sink;
  CHECK(source.poll(sink) == 0);
  CHECK_FALSE(source.status().present);
  CHECK(source.status().error.empty());
  write_file(dir.file("events.jsonl"), "a\n");
  CHECK(source.poll(sink) == 1);
  CHECK(source.status().present);
}

TEST_CASE("truncation starts again from the top") {
  TempDir dir;
  FileSource source(options_for(dir));
  Collect sink;
  write_file(dir.file("events.jsonl"), "aaaa\nbbbb\ncc");
  source.poll(sink);
  write_file(dir.file("events.jsonl"), "x\n");
  CHECK(source.poll(sink) == 1);
  CHECK(sink.lines == std::vector<std::string>{"aaaa", "bbbb", "x"});
  CHECK(source.status().truncations == 1);
  CHECK(sink.numbers.back() == 1);
}

TEST_CASE("rotation by rename: the old file is finished, then the new one is read") {
  TempDir dir;
  FileSource source(options_for(dir));
  Collect sink;
  const auto path = dir.file("events.jsonl");
  write_file(path, "1\n2\n");
  source.poll(sink);
  append_file(path, "3\nlast-without-newline");
  std::filesystem::rename(path, dir.file("events.jsonl.1"));
  write_file(path, "new1\nnew2\n");
  CHECK(source.poll(sink) == 4);
  CHECK(sink.lines ==
        std::vector<std::string>{"1", "2", "3", "last-without-newline", "new1", "new2"});
  CHECK(source.status().rotations == 1);
}

TEST_CASE("a deleted file is waited for, and read from the top when it comes back") {
  TempDir dir;
  FileSource source(options_for(dir));
  Collect sink;
  const auto path = dir.file("events.jsonl");
  write_file(path, "a\n");
  source.poll(sink);
  std::filesystem::remove(path);
  CHECK(source.poll(sink) == 0);
  CHECK_FALSE(source.status().present);
  write_file(path, "b\n");
  CHECK(source.poll(sink) == 1);
  CHECK(sink.lines == std::vector<std::string>{"a", "b"});
}

TEST_CASE("over-long lines are dropped without buffering, neighbours survive") {
  TempDir dir;
  FileSource source(options_for(dir));
  Collect sink;
  const std::string huge(1000, 'x');
  write_file(dir.file("events.jsonl"), "before\n" + huge + "\nafter\n" + std::string(70, 'y'));
  source.poll(sink);
  append_file(dir.file("events.jsonl"), "zz\nend\n");
  source.poll(sink);
  CHECK(sink.lines == std::vector<std::string>{"before", "after", "end"});
  CHECK(sink.too_long == std::vector<std::uint64_t>{1000, 72});
  CHECK(sink.numbers == std::vector<std::uint64_t>{1, 3, 5});
}

TEST_CASE("a restart resumes from the checkpoint without counting anything twice") {
  TempDir dir;
  const auto path = dir.file("events.jsonl");
  write_file(path, "1\n2\n3");
  {
    FileSource source(options_for(dir, true));
    Collect sink;
    CHECK(source.poll(sink) == 2);
  }
  append_file(path, "\n4\n");
  FileSource restarted(options_for(dir, true));
  Collect sink;
  CHECK(restarted.poll(sink) == 2);
  CHECK(sink.lines == std::vector<std::string>{"3", "4"});
  CHECK(sink.numbers == std::vector<std::uint64_t>{3, 4});
  CHECK(restarted.status().resumed_at == 4);
}

TEST_CASE("a checkpoint for another file (replaced while stopped) is not trusted") {
  TempDir dir;
  const auto path = dir.file("events.jsonl");
  write_file(path, "old-1\nold-2\n");
  {
    FileSource source(options_for(dir, true));
    Collect sink;
    source.poll(sink);
  }
  std::filesystem::remove(path);
  write_file(path, "new-1\nnew-2\nnew-3\n");
  FileSource restarted(options_for(dir, true));
  Collect sink;
  restarted.poll(sink);
  CHECK(sink.lines == std::vector<std::string>{"new-1", "new-2", "new-3"});
  CHECK(restarted.status().resumed_at == 0);
}

TEST_CASE("an empty file yields nothing and no error") {
  TempDir dir;
  write_file(dir.file("events.jsonl"), "");
  FileSource source(options_for(dir));
  Collect sink;
  CHECK(source.poll(sink) == 0);
  source.finish(sink);
  CHECK(sink.lines.empty());
  CHECK(source.status().error.empty());
}

TEST_CASE("finish hands over a last line without a newline") {
  TempDir dir;
  write_file(dir.file("events.jsonl"), "a\nb");
  FileSource source(options_for(dir));
  Collect sink;
  source.poll(sink);
  source.finish(sink);
  CHECK(sink.lines == std::vector<std::string>{"a", "b"});
}

TEST_CASE("finish says a last line too long to keep, with no newline, was dropped") {
  TempDir dir;
  FileSourceOptions o;
  o.path = dir.file("events.jsonl");
  o.max_line_bytes = 256;
  write_file(o.path, "1\n2\n" + std::string(300, '9'));
  FileSource source(o);
  Collect sink;
  source.poll(sink);
  source.finish(sink);
  CHECK(sink.lines == std::vector<std::string>{"1", "2"});
  CHECK(sink.too_long == std::vector<std::uint64_t>{300});  // once silently lost
  CHECK(source.status().too_long == 1);
}

TEST_CASE("a 10 MB line is dropped as it streams past; the lines around it arrive") {
  TempDir dir;
  FileSourceOptions o;
  o.path = dir.file("events.jsonl");
  o.max_line_bytes = 1 << 20;
  write_file(o.path, "{\"a\":1}\n{\"big\":\"" + std::string(10'000'000, 'x') + "\"}\n{\"b\":2}\n");
  FileSource source(o);
  Collect sink;
  source.poll(sink);
  CHECK(sink.lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
  CHECK(sink.too_long == std::vector<std::uint64_t>{10'000'010});
  CHECK(source.status().too_long == 1);
}

TEST_CASE(
    "what is not a regular file is refused with its reason, counted once, and never blocks a "
    "poll") {
  TempDir dir;
  FileSourceOptions o = options_for(dir);
  FileSource source(o);
  Collect sink;
  // A FIFO with no writer: a blocking open() never returned (SIGTERM hung with it).
  REQUIRE(::mkfifo(o.path.c_str(), 0600) == 0);
  CHECK(source.poll(sink) == 0);
  CHECK(source.status().error == o.path + " is a FIFO, not a regular file: not followed");
  CHECK(source.poll(sink) == 0);
  CHECK(source.status().refused == 1);
  // /dev/zero behind a symlink: a read that never ends (it spun the thread at 90 %).
  std::filesystem::remove(o.path);
  std::filesystem::create_symlink("/dev/zero", o.path);
  CHECK(source.poll(sink) == 0);
  CHECK(source.status().error ==
        o.path + " is a character device, not a regular file: not followed");
  CHECK(source.status().refused == 2);
  // A directory was ignored in silence.
  std::filesystem::remove(o.path);
  std::filesystem::create_directory(o.path);
  CHECK(source.poll(sink) == 0);
  CHECK(source.status().error == o.path + " is a directory, not a regular file: not followed");
  // A "regular" file of the kernel's: 0 bytes long, new content at each read (the daemon's own
  // memory map went to the quarantine as a truncation at every poll).
  std::filesystem::remove(o.path);
  std::filesystem::create_symlink("/proc/self/maps", o.path);
  CHECK(source.poll(sink) == 0);
  CHECK(source.status().error ==
        o.path + " is a file the kernel makes up as it is read (/proc, /sys): not followed");
  CHECK(source.poll(sink) == 0);
  CHECK(source.status().refused == 4);
  // Back to a regular file: followed, and the refusal is gone.
  std::filesystem::remove(o.path);
  write_file(o.path, "one\n");
  CHECK(source.poll(sink) == 1);
  CHECK(source.status().error.empty());
  CHECK(sink.lines == std::vector<std::string>{"one"});
}

TEST_CASE("a truncation followed at once by a longer write starts again from the top") {
  TempDir dir;
  FileSource source(options_for(dir));
  Collect sink;
  write_file(dir.file("events.jsonl"), "one\ntwo\n");
  CHECK(source.poll(sink) == 2);
  // Truncated and rewritten longer before the next poll: the size never looks smaller.
  write_file(dir.file("events.jsonl"), "alpha\nbravo\ncharlie\n");
  CHECK(source.poll(sink) == 3);
  CHECK(sink.lines == std::vector<std::string>{"one", "two", "alpha", "bravo", "charlie"});
  CHECK(source.status().truncations == 1);
  append_file(dir.file("events.jsonl"), "delta\n");
  CHECK(source.poll(sink) == 1);
  CHECK(source.status().truncations == 1);
}

TEST_CASE(
    "start_at_end follows only what is written after start, a half-written line included as a "
    "whole") {
  TempDir dir;
  FileSourceOptions o = options_for(dir);
  o.start_at_end = true;
  write_file(o.path, "old\nhalf-wri");
  FileSource source(o);
  Collect sink;
  CHECK(source.poll(sink) == 0);
  append_file(o.path, "tten\nnew\n");
  CHECK(source.poll(sink) == 1);
  CHECK(sink.lines == std::vector<std::string>{"new"});
  CHECK(source.status().resumed_at == 12);
}

TEST_CASE("one poll reads at most max_poll_bytes, so its thread gets control back") {
  TempDir dir;
  FileSourceOptions o = options_for(dir);
  o.max_poll_bytes = 64;
  std::string lines;
  for (int i = 0; i < 100; ++i) lines += "line\n";  // 500 bytes
  write_file(o.path, lines);
  FileSource source(o);
  Collect sink;
  const auto first = source.poll(sink);
  CHECK(first >= 12);
  CHECK(first <= 16);
  std::uint64_t total = first;
  for (int i = 0; i < 20 && total < 100; ++i) total += source.poll(sink);
  CHECK(total == 100);
}

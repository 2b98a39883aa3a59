#include "setpoint/bindings/policy_folder.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>

#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::bindings;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

constexpr Nanos kMs = kNanosPerMilli;

std::string counter(int step) {
  return "return { every = '5s', evaluate = function(ctx) ctx.state.n = (ctx.state.n or 0) + " +
         std::to_string(step) + " end }";
}

int evaluate_n(LivePolicy& p) {
  PolicyInputs inputs;
  inputs.window = [](const std::string&, Nanos) {
    return std::optional<WindowStats>(WindowStats{});
  };
  inputs.param = [](std::string_view) { return std::optional<ProposedValue>(); };
  PolicyOutputs out;
  REQUIRE(p.state->evaluate(inputs, out).ok());
  const auto state = p.state->save_state();
  const auto at = state->find("\"n\":");
  return std::stoi(state->substr(at + 4));
}

struct Folder {
  TempDir dir;
  ManualClock clock;
  std::string gate_answer;  // the failures the gate reports; none: the tests pass
  PolicyFolder folder;
  Folder()
      : folder(dir.path().string(), nullptr, {}, clock, [this](const std::string&) -> Result<void> {
          if (gate_answer.empty()) return {};
          return Error{gate_answer};
        }) {}
  // What an engine loop sees once the reload thread has caught up.
  // (poll itself may already swap in what the reload thread finished quickly: keep both.)
  std::vector<std::string> poll(Nanos now) {
    std::vector<std::string> changed = folder.poll(now);
    for (auto& file : folder.settle(now)) changed.push_back(std::move(file));
    return changed;
  }
};

}  // namespace

TEST_CASE("the folder loads its policies, skipping tests and hidden files") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  write_file(f.dir.file("a_test.lua"), "not a policy");
  write_file(f.dir.file(".swp.lua"), "editor junk");
  f.folder.scan(0);
  REQUIRE(f.folder.watching());
  CHECK(f.folder.live().size() == 1);
  CHECK(f.folder.live().at("a.lua").info.every == 5 * kNanosPerSecond);
  CHECK(f.folder.status().at("a.lua").ok);
}

TEST_CASE("a saved file is live after the debounce, with its ctx.state carried over") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 1);
  write_file(f.dir.file("a.lua"), counter(10));
  CHECK(f.poll(100 * kMs).empty());  // seen, but not quiet for 50 ms yet
  CHECK(f.poll(149 * kMs).empty());
  CHECK(f.poll(150 * kMs) == std::vector<std::string>{"a.lua"});
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 11);  // the new code, the old state
  CHECK(f.folder.status().at("a.lua").message.rfind("loaded ", 0) == 0);
}

TEST_CASE("an editor's save by rename is picked up") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);
  write_file(f.dir.file(".a.lua.tmp"), counter(5));
  std::filesystem::rename(f.dir.file(".a.lua.tmp"), f.dir.file("a.lua"));
  f.poll(0);
  CHECK(f.poll(50 * kMs) == std::vector<std::string>{"a.lua"});
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 5);
}

TEST_CASE("a broken edit keeps the old version running and says why") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);
  write_file(f.dir.file("a.lua"), "return { evaluate = function( end }");
  f.poll(0);
  f.poll(50 * kMs);
  const auto& status = f.folder.status().at("a.lua");
  CHECK_FALSE(status.ok);
  CHECK(status.message.find("policy a: a.lua:1:") == 0);
  CHECK(status.message.find("the previous version keeps running") != std::string::npos);
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 1);
  write_file(f.dir.file("a.lua"), "return { name = 5, evaluate = function() end }");
  f.poll(100 * kMs);
  f.poll(150 * kMs);
  CHECK(f.folder.status().at("a.lua").message.rfind("a.lua: name must be a string", 0) == 0);
}

TEST_CASE("a version whose own tests fail is refused") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  write_file(f.dir.file("a_test.lua"), "-- tests");
  f.folder.scan(0);
  f.gate_answer = "1 failed: cuts the limit";
  write_file(f.dir.file("a.lua"), counter(2));
  f.poll(0);
  f.poll(50 * kMs);
  CHECK(f.folder.status().at("a.lua").message ==
        "a.lua: its tests fail: 1 failed: cuts the limit; the previous version keeps running");
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 1);
}

TEST_CASE("saving the same content changes nothing; deleting retires the policy") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);
  evaluate_n(f.folder.live().at("a.lua"));
  write_file(f.dir.file("a.lua"), counter(1));
  f.poll(0);
  f.poll(50 * kMs);
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 2);  // the same state object: not reloaded
  std::filesystem::remove(f.dir.file("a.lua"));
  f.poll(100 * kMs);
  f.poll(150 * kMs);
  CHECK(f.folder.live().empty());
  CHECK(f.folder.status().at("a.lua").message == "retired: the file is gone");
  CHECK(f.folder.status().at("a.lua").gone);
  // A file that never loaded is retired the same way, not listed for ever as not loaded.
  write_file(f.dir.file("broken.lua"), "return { evaluate = function( end }");
  f.poll(200 * kMs);
  f.poll(250 * kMs);
  CHECK_FALSE(f.folder.status().at("broken.lua").ok);
  std::filesystem::remove(f.dir.file("broken.lua"));
  f.poll(300 * kMs);
  f.poll(350 * kMs);
  CHECK(f.folder.status().at("broken.lua").gone);
}

// Two files naming one policy would share its state, grants and counts: the second is refused.
TEST_CASE("a second file with a policy name already held is refused; the first keeps it") {
  Folder f;
  write_file(f.dir.file("a.lua"), "return { name = 'p', every = '5s', evaluate = function() end }");
  write_file(f.dir.file("b.lua"), "return { name = 'p', every = '5s', evaluate = function() end }");
  f.folder.scan(0);
  CHECK(f.folder.live().count("a.lua") == 1);
  CHECK(f.folder.live().count("b.lua") == 0);
  CHECK(f.folder.status().at("b.lua").message ==
        "b.lua: a.lua already holds the name p; this file is not run");
  write_file(f.dir.file("b.lua"), "return { name = 'q', every = '5s', evaluate = function() end }");
  f.poll(0);
  f.poll(50 * kMs);
  CHECK(f.folder.live().count("b.lua") == 1);
  write_file(
      f.dir.file("b.lua"),
      "return { name = 'p', every = '5s', evaluate = function() end }");  // renamed onto a.lua's
  f.poll(100 * kMs);
  f.poll(150 * kMs);
  CHECK(f.folder.live().at("b.lua").info.name == "q");
  CHECK(f.folder.status().at("b.lua").message ==
        "b.lua: a.lua already holds the name p; the previous version keeps running");
}

TEST_CASE("several quick saves make one reload") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);
  for (int i = 0; i < 5; ++i) {
    write_file(f.dir.file("a.lua"), counter(100 + i));
    f.poll(i * 10 * kMs);
  }
  CHECK(f.poll(80 * kMs).empty());
  CHECK(f.poll(90 * kMs) == std::vector<std::string>{"a.lua"});
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 104);
}

TEST_CASE("a slow reload never holds up the engine thread; the old version runs until the swap") {
  TempDir dir;
  ManualClock clock;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> gates{0};
  PolicyFolder folder(dir.path().string(), nullptr, {}, clock, [&](const std::string&) {
    if (gates++ > 0) released.wait();  // the first gate (start-up) passes at once
    return Result<void>();
  });
  write_file(dir.file("a.lua"), counter(1));
  write_file(dir.file("a_test.lua"), "-- tests");
  folder.scan(0);
  write_file(dir.file("a.lua"), counter(10));
  folder.poll(0);
  CHECK(folder.poll(50 * kMs).empty());  // handed to the reload thread, which now waits in the gate
  CHECK(folder.reloading());
  CHECK(evaluate_n(folder.live().at("a.lua")) ==
        1);  // the engine thread goes on with the old version
  CHECK(evaluate_n(folder.live().at("a.lua")) == 2);
  CHECK(folder.poll(60 * kMs).empty());
  release.set_value();
  CHECK(folder.settle(70 * kMs) == std::vector<std::string>{"a.lua"});
  CHECK(evaluate_n(folder.live().at("a.lua")) ==
        12);  // the new code, with the state as it was at the swap
  CHECK(gates == 2);
}

TEST_CASE("saving the running version back after a refused edit clears the refusal") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);
  write_file(f.dir.file("a.lua"), "return {");
  f.poll(0);
  f.poll(50 * kMs);
  CHECK_FALSE(f.folder.status().at("a.lua").ok);
  write_file(f.dir.file("a.lua"), counter(1));
  f.poll(100 * kMs);
  CHECK(f.poll(150 * kMs) == std::vector<std::string>{"a.lua"});
  CHECK(f.folder.status().at("a.lua").ok);
  CHECK(f.folder.status().at("a.lua").message.rfind("unchanged: running ", 0) == 0);
}

TEST_CASE("a policy gets its own limits when config has some for its name") {
  TempDir dir;
  ManualClock clock;
  const LimitsFor limits_for = [](const PolicyInfo& policy) -> std::optional<Limits> {
    if (policy.name != "small") return std::nullopt;
    Limits own;
    own.memory = 1u << 20;
    return own;
  };
  PolicyFolder folder(dir.path().string(), nullptr, {}, clock, {}, 50 * kMs, limits_for);
  const std::string hungry =
      "return { name = '%s', evaluate = function(ctx) ctx.state.s = string.rep('x', 4 * 1024 * "
      "1024) end }";
  const auto with_name = [&](const char* name) {
    std::string text = hungry;
    text.replace(text.find("%s"), 2, name);
    return text;
  };
  write_file(dir.file("a.lua"), with_name("small"));
  write_file(dir.file("b.lua"), with_name("roomy"));
  folder.scan(0);
  PolicyInputs inputs;
  PolicyOutputs out;
  const auto small = folder.live().at("a.lua").state->evaluate(inputs, out);
  CHECK(small.failure == Failure::kMemory);
  CHECK(small.message == "policy a exceeded its memory cap of 1 MiB");
  CHECK(folder.live().at("b.lua").state->evaluate(inputs, out).ok());  // the default 16 MiB
}

// A policy file, or its test, that is a symlink out of the folder is refused unread: a link to
// /etc/shadow showed some of it in its syntax error, on /v1/policies and in the log.
TEST_CASE("a policy or a test linked out of the folder is refused, never read") {
  TempDir outside;
  write_file(outside.file("secret.lua"), "root:$6$hash-of-a-password:19000:0:99999:7:::");
  write_file(outside.file("t.lua"), "return {}");
  Folder f;
  std::filesystem::create_symlink(outside.file("secret.lua"), f.dir.file("leak.lua"));
  write_file(f.dir.file("b.lua"), counter(1));
  std::filesystem::create_symlink(outside.file("t.lua"), f.dir.file("b_test.lua"));
  f.gate_answer = "";
  f.folder.scan(0);
  const auto& leak = f.folder.status().at("leak.lua");
  CHECK_FALSE(leak.ok);
  CHECK(leak.message.find("leads out of") != std::string::npos);
  CHECK(leak.message.find("hash-of-a-password") == std::string::npos);
  CHECK(f.folder.live().count("leak.lua") == 0);
  CHECK(f.folder.status().at("b.lua").message.find("its tests cannot run") != std::string::npos);
  CHECK(f.folder.live().count("b.lua") == 0);
}

TEST_CASE("a folder that cannot be watched says why; what it loads still runs") {
  TempDir dir;
  ManualClock clock;
  const std::string gone = dir.file("gone");
  PolicyFolder folder(gone, nullptr, {}, clock, [](const std::string&) { return Result<void>(); });
  CHECK_FALSE(folder.watching());
  CHECK(folder.watching().error() == "cannot watch " + gone + ": No such file or directory");
  folder.scan(0);
  CHECK(folder.live().empty());
  CHECK(folder.poll(kMs).empty());  // nothing to read, nothing waited on
}

// A policy folder keeping a new version beside the running one (its shadow), as the shadow
// rule asks; promoted, discarded, replaced, reverted, deleted, and reinstated after a restart.
#include <catch2/catch.hpp>

#include "setpoint/bindings/policy_folder.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::bindings;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

constexpr Nanos kMs = kNanosPerMilli;

std::string counter(int step, const std::string& first_line = "") {
  return first_line + "\nreturn { every = '5s', evaluate = function(ctx) ctx.state.n = " +
         "(ctx.state.n or 0) + " + std::to_string(step) + " end }";
}

int evaluate_n(LivePolicy& p) {
  PolicyInputs inputs;
  inputs.param = [](std::string_view) { return std::optional<ProposedValue>(); };
  PolicyOutputs out;
  REQUIRE(p.state->evaluate(inputs, out).ok());
  const auto state = p.state->save_state();
  return std::stoi(state->substr(state->find("\"n\":") + 4));
}

struct Folder {
  TempDir dir;
  ManualClock clock;
  PolicyFolder folder;
  Nanos now = 0;
  Folder() : folder(dir.path().string(), nullptr, {}, clock, {}) {
    // Every new version shadows, but one whose file says "-- no shadow".
    folder.set_shadow_rule([](const LivePolicy&, const LivePolicy& next) {
      return next.source.rfind("-- no shadow", 0) != 0;
    });
  }
  std::vector<std::string> save(const std::string& file, const std::string& text) {
    write_file(dir.file(file), text);
    folder.poll(now += 100 * kMs);
    auto changed = folder.poll(now += 100 * kMs);
    for (auto& f : folder.settle(now)) changed.push_back(std::move(f));
    return changed;
  }
};

}  // namespace

TEST_CASE("a new version the rule picks runs beside the live one, with its state copied") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);  // nothing to shadow at a first load
  CHECK(f.folder.shadows().empty());
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 1);
  const std::string live = f.folder.live().at("a.lua").hash;

  CHECK(f.save("a.lua", counter(10)) == std::vector<std::string>{"a.lua"});
  REQUIRE(f.folder.shadows().count("a.lua") == 1);
  CHECK(f.folder.live().at("a.lua").hash == live);  // the live version is untouched
  const std::string shadow = f.folder.shadows().at("a.lua").hash;
  CHECK(f.folder.status().at("a.lua").message ==
        "shadowing " + shadow.substr(0, 12) + " beside " + live.substr(0, 12));
  CHECK(evaluate_n(f.folder.shadows().at("a.lua")) == 11);  // its own copy of ctx.state
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 2);
  CHECK(f.folder.live().at("a.lua").source == counter(1));

  // Promoted, it carries the live version's state (what really went with the world).
  REQUIRE(f.folder.promote("a.lua", f.now));
  CHECK(f.folder.shadows().empty());
  CHECK(f.folder.live().at("a.lua").hash == shadow);
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 12);
  CHECK(f.folder.status().at("a.lua").message ==
        "promoted " + shadow.substr(0, 12) + " (was " + live.substr(0, 12) + ")");
  CHECK_FALSE(f.folder.promote("a.lua", f.now));
  CHECK(f.folder.promote("a.lua", f.now).error() == "a.lua has no shadow version");
}

TEST_CASE("a shadow is discarded, replaced by a newer save, ended by a revert or a deletion") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);
  const std::string live = f.folder.live().at("a.lua").hash;

  f.save("a.lua", counter(2));
  const std::string second = f.folder.shadows().at("a.lua").hash;
  CHECK(f.folder.discard("a.lua", "an operator's call", f.now));
  CHECK(f.folder.shadows().empty());
  CHECK(f.folder.status().at("a.lua").message == "shadow " + second.substr(0, 12) +
                                                     " discarded: an operator's call; " +
                                                     live.substr(0, 12) + " keeps running");
  CHECK_FALSE(f.folder.discard("a.lua", "again", f.now));

  f.save("a.lua", counter(3));
  f.save("a.lua", counter(4));  // a newer save replaces the shadow, not the live version
  CHECK(f.folder.live().at("a.lua").hash == live);
  CHECK(evaluate_n(f.folder.shadows().at("a.lua")) == 4);

  CHECK(f.save("a.lua", counter(1)) == std::vector<std::string>{"a.lua"});  // back to live
  CHECK(f.folder.shadows().empty());
  CHECK(f.folder.status().at("a.lua").message ==
        "back to the running version " + live.substr(0, 12) + ": its shadow is discarded");

  f.save("a.lua", counter(5));
  REQUIRE(f.folder.shadows().count("a.lua") == 1);
  // A broken save while shadowing keeps both.
  f.save("a.lua", "return { evaluate = function( end }");
  CHECK_FALSE(f.folder.status().at("a.lua").ok);
  CHECK(f.folder.shadows().count("a.lua") == 1);
  // A version the rule does not pick goes live at once, and ends the shadow.
  f.save("a.lua", counter(6, "-- no shadow"));
  CHECK(f.folder.shadows().empty());
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 6);  // the live state carried over

  f.save("a.lua", counter(7));
  REQUIRE(f.folder.shadows().count("a.lua") == 1);
  std::filesystem::remove(f.dir.file("a.lua"));
  f.folder.poll(f.now += 100 * kMs);
  f.folder.poll(f.now += 100 * kMs);
  f.folder.settle(f.now);
  CHECK(f.folder.live().empty());
  CHECK(f.folder.shadows().empty());
}

TEST_CASE("after a restart the saved live version runs again, the file's as its shadow") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(10));  // the new version, on disk at the restart
  f.folder.scan(0);
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 10);
  const std::string file_version = f.folder.live().at("a.lua").hash;

  REQUIRE(f.folder.reinstate("a.lua", counter(1), 0));
  CHECK(f.folder.shadows().at("a.lua").hash == file_version);
  CHECK(f.folder.live().at("a.lua").source == counter(1));
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 11);  // the state carried over
  CHECK(f.folder.status().at("a.lua").message.find("(restarted while shadowing)") !=
        std::string::npos);

  // A saved version that no longer compiles leaves the file's running, and says why.
  Folder g;
  write_file(g.dir.file("a.lua"), counter(10));
  g.folder.scan(0);
  const auto refused = g.folder.reinstate("a.lua", "return { evaluate = function( end }", 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().find("a.lua:1:") != std::string::npos);
  CHECK(g.folder.shadows().empty());
  // The file back to the saved version: nothing to shadow.
  REQUIRE(g.folder.reinstate("a.lua", counter(10), 0));
  CHECK(g.folder.shadows().empty());
}

TEST_CASE("the shadow mark on a policy's first line") {
  CHECK(*read_shadow_mark("-- setpoint: shadow\nreturn {}") == std::optional<Nanos>(0));
  CHECK(*read_shadow_mark("--setpoint: shadow 1h\r\nreturn {}") ==
        std::optional<Nanos>(3600 * kNanosPerSecond));
  CHECK(*read_shadow_mark("\xEF\xBB\xBF-- setpoint: shadow   45m  ") ==
        std::optional<Nanos>(2700 * kNanosPerSecond));
  CHECK_FALSE(*read_shadow_mark("return {} -- setpoint: shadow"));
  CHECK_FALSE(*read_shadow_mark("\n-- setpoint: shadow"));  // the first line only
  CHECK_FALSE(*read_shadow_mark("-- setpoint: shadowy comment"));
  CHECK_FALSE(*read_shadow_mark(""));
  for (const char* bad : {"-- setpoint: shadow soon", "-- setpoint: shadow 0s",
                          "-- setpoint: shadow 500ms", "-- setpoint: shadow 31d"}) {
    INFO(bad);
    const auto mark = read_shadow_mark(bad);
    REQUIRE_FALSE(mark);
    CHECK(mark.error().find("takes a duration from 1s to 30d") != std::string::npos);
  }
}

TEST_CASE("a file whose shadow mark is wrong is refused, naming its first line") {
  Folder f;
  write_file(f.dir.file("a.lua"), counter(1));
  f.folder.scan(0);
  f.save("a.lua", counter(2, "-- setpoint: shadow soon"));
  const auto& status = f.folder.status().at("a.lua");
  CHECK_FALSE(status.ok);
  CHECK(status.message.rfind("a.lua:1: -- setpoint: shadow takes a duration", 0) == 0);
  CHECK(f.folder.shadows().empty());
  CHECK(evaluate_n(f.folder.live().at("a.lua")) == 1);
}

#include "setpoint/testing/test_file.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <filesystem>
#include <memory>

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/regular_file.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/bindings/policy_candidate.hpp"
#include "setpoint/bindings/policy_state.hpp"
#include "setpoint/bindings/state_codec.hpp"
#include "setpoint/testing/fixture.hpp"

namespace setpoint::bindings::testing {
namespace {

namespace fs = std::filesystem;

// The file a test names with t.policy(name): a policy beside the test, never a path out of its
// folder (a test runs through the reload gate, and what it loads shows in reload messages).
std::optional<fs::path> beside(const fs::path& dir, const std::string& name, std::string& error) {
  const fs::path relative(name);
  if (name.empty() || name.size() > 255 || relative.is_absolute() || relative.has_parent_path() ||
      name.find('\0') != std::string::npos || name == "." || name == "..") {
    error =
        "t.policy: \"" + utf8::printable(name, 128) + "\" is not a file name in the test's folder";
    return std::nullopt;
  }
  std::error_code ec;
  const fs::path folder = fs::weakly_canonical(dir, ec);
  const fs::path target = fs::weakly_canonical(dir / relative, ec);
  const auto [end, _] = std::mismatch(folder.begin(), folder.end(), target.begin(), target.end());
  if (ec || end != folder.end()) {
    error = "t.policy: " + utf8::printable(name, 128) + " leads out of the test's folder";
    return std::nullopt;
  }
  return dir / relative;
}

// One test file's run: the policies it loaded and what its cases reported.
struct Session {
  fs::path dir;
  std::string file;
  const Stdlib* stdlib;
  SystemClock clock;
  OutcomeSet outcomes;
  std::vector<std::unique_ptr<PolicyState>> policies;
  int passed = 0;
  int failed = 0;
  std::string failures;
  Nanos cpu = 30 * kNanosPerSecond;  // for the whole file
  const std::atomic<bool>* cancel = nullptr;
  const std::function<void(bool, const std::string&)>* on_case = nullptr;
  MemoryCap* budget = nullptr;  // the test file's: what it loads counts against it too
};

Session& session_of(lua_State* L) {
  return *static_cast<Session*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// host.load(path) -> handle: a fresh instance of the policy file beside the test.
int host_load(lua_State* L) {
  Session& s = session_of(L);
  std::size_t n = 0;
  const char* name = luaL_checklstring(L, 1, &n);
  std::string error;
  const auto path = beside(s.dir, std::string(name, n), error);
  if (!path) return luaL_error(L, "%s", error.c_str());
  const auto source = read_regular_file(path->string(), kMaxPolicyFileBytes);
  if (!source) return luaL_error(L, "t.policy: %s", utf8::printable(source.error(), 512).c_str());
  if (s.policies.size() >= 256)
    return luaL_error(L, "t.policy: more than 256 policy instances in one test file");
  Limits limits;
  limits.budget = s.budget;
  limits.cancel = s.cancel;
  auto state = std::make_unique<PolicyState>(path->stem().string(), limits, s.clock, s.stdlib);
  const auto loaded = state->load(*source, path->filename().string());
  if (!loaded.ok()) return luaL_error(L, "t.policy: %s", loaded.message.c_str());
  s.policies.push_back(std::move(state));
  lua_pushnumber(L, static_cast<double>(s.policies.size()));
  return 1;
}

// host.evaluate(handle, fixture) -> { proposals, alerts, logs, evidence, state }
int host_evaluate(lua_State* L) {
  Session& s = session_of(L);
  const auto handle = static_cast<std::size_t>(luaL_checknumber(L, 1));
  if (handle < 1 || handle > s.policies.size())
    return luaL_error(L, "evaluate: not a policy instance");
  luaL_checktype(L, 2, LUA_TTABLE);
  const auto fixture_json = encode_state(L, 2, "fixture");
  if (!fixture_json) return luaL_error(L, "evaluate: %s", fixture_json.error().c_str());
  auto parsed = parse_fixture(parse_own_json(*fixture_json), s.outcomes, "fixture");
  if (!parsed) return luaL_error(L, "evaluate: %s", parsed.error().c_str());
  const Fixture& fixture = parsed.value();
  PolicyState& policy = *s.policies[handle - 1];
  if (fixture.state) {
    if (const auto restored = policy.restore_state(*fixture.state); !restored)
      return luaL_error(L, "evaluate: %s", restored.error().c_str());
  }
  PolicyOutputs out;
  const auto result = policy.evaluate(fixture.inputs(s.outcomes), out);
  if (!result.ok()) return luaL_error(L, "%s", result.message.c_str());
  const auto kept = policy.save_state();
  if (!kept) return luaL_error(L, "%s", kept.error().c_str());
  if (const auto decoded = decode_state(L, dump(outputs_json(out, *kept))); !decoded)
    return luaL_error(L, "%s", decoded.error().c_str());
  return 1;
}

// host.report(name, ok, message)
int host_report(lua_State* L) {
  Session& s = session_of(L);
  std::size_t n = 0;
  const char* text = luaL_checklstring(L, 1, &n);
  const std::string name = utf8::printable({text, n}, 256);
  if (lua_toboolean(L, 2)) {
    ++s.passed;
    if (*s.on_case) (*s.on_case)(true, s.file + ": " + name);
  } else {
    ++s.failed;
    std::size_t m = 0;
    const char* message = lua_type(L, 3) == LUA_TSTRING ? lua_tolstring(L, 3, &m) : "";
    const std::string line =
        utf8::printable({message, m}, 1024) + "  [" + s.file + ": " + name + "]";
    if (*s.on_case) (*s.on_case)(false, line);
    s.failures += (s.failures.empty() ? "" : "; ") + line;
  }
  return 0;
}

// Runs one test file in its own sandbox; the session counts its cases.
void run_file(const fs::path& file, const Stdlib* stdlib, Session& s) {
  s.dir = file.parent_path();
  s.file = file.filename().string();
  s.stdlib = stdlib;
  // A test file may step many evaluations: it gets more room than a policy's one evaluation,
  // and the policies it loads (each within its own cap) count against its 256 MiB as well.
  Limits limits;
  limits.memory = 256u << 20;
  limits.cpu = s.cpu;
  limits.cancel = s.cancel;
  PolicyState tests("test " + s.file, limits, s.clock, s.stdlib);
  s.budget = &tests.memory();
  lua_State* L = tests.lua();
  lua_newtable(L);
  const std::pair<const char*, lua_CFunction> functions[] = {
      {"load", host_load}, {"evaluate", host_evaluate}, {"report", host_report}};
  for (const auto& [name, fn] : functions) {
    lua_pushlightuserdata(L, &s);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
  }
  lua_setfield(L, LUA_GLOBALSINDEX, "_SETPOINT_TEST_HOST");

  const auto source = read_regular_file(file.string(), kMaxPolicyFileBytes);
  auto result = source ? tests.load(*source, s.file) : RunResult{Failure::kRuntime, source.error()};
  if (result.ok())
    result = tests.load("require('setpoint.testing').run(_SETPOINT_TEST_HOST.report) return {}",
                        "(runner)");
  if (!result.ok()) {
    ++s.failed;
    const std::string line = result.message + "  [" + s.file + "]";
    if (*s.on_case) (*s.on_case)(false, line);
    s.failures += (s.failures.empty() ? "" : "; ") + line;
  }
  s.policies.clear();  // they count against `tests`' cap: gone before it is
  s.budget = nullptr;
}

}  // namespace

TestFileReport run_test_file(const std::string& test_file, const Stdlib* stdlib,
                             const TestFileOptions& options) {
  Session s;
  s.cpu = options.cpu;
  s.cancel = options.cancel;
  s.on_case = &options.on_case;
  run_file(test_file, stdlib, s);
  return {s.passed, s.failed, s.failures};
}

Result<void> gate(const std::string& test_file, const Stdlib* stdlib, Nanos cpu,
                  const std::atomic<bool>* cancel) {
  TestFileOptions options;
  options.cpu = cpu;
  options.cancel = cancel;
  const auto report = run_test_file(test_file, stdlib, options);
  if (report.failed > 0)
    return Error{std::to_string(report.failed) + " failed: " + report.failures};
  return {};
}

}  // namespace setpoint::bindings::testing

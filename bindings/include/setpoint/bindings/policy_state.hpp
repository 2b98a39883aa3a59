#pragma once
// One LuaJIT state per policy, with the policy's limits: a memory cap through the state's own
// allocator, the JIT turned off (count hooks do not fire inside compiled traces), a CPU
// deadline enforced by a count hook that stays armed until the run returns and by the
// wall-clock watchdog (watchdog.hpp) inside long C calls, source text only (bytecode is
// refused) and the sandbox environment. The host reads the policy's values raw (lua_rawget,
// lua_next) or inside a run: no metamethod of the policy's ever runs without its limits. A run that
// breaks a limit or errors ends with a Failure and a message naming the policy; the state stays
// usable.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"
#include "setpoint/bindings/context.hpp"
#include "setpoint/bindings/memory_cap.hpp"
#include "setpoint/bindings/stdlib.hpp"

struct lua_State;
struct lua_Debug;

namespace setpoint::bindings {

struct Evaluation;

struct Limits {
  std::size_t memory = 16u << 20;
  Nanos cpu = 50 * kNanosPerMilli;
  int hook_every = 1000;  // VM instructions between deadline checks
  // A cap this state's allocations count against too (a test file's, for the policies it
  // loads); it must outlive the state, and be used from one thread.
  MemoryCap* budget = nullptr;
  // When it turns true, a run in progress ends as if past its deadline (the engine is stopping).
  const std::atomic<bool>* cancel = nullptr;
};

enum class Failure { kNone, kSyntax, kRuntime, kDeadline, kMemory, kBytecode };
const char* failure_name(Failure failure);

struct RunResult {
  Failure failure = Failure::kNone;
  std::string message;
  bool ok() const { return failure == Failure::kNone; }
};

class PolicyState {
 public:
  // `stdlib` (optional) must outlive the state.
  PolicyState(std::string name, Limits limits, const Clock& clock, const Stdlib* stdlib = nullptr);
  ~PolicyState();
  PolicyState(const PolicyState&) = delete;
  PolicyState& operator=(const PolicyState&) = delete;

  // Compiles and runs a chunk of source text; what it returns becomes the policy's module
  // (a table is expected of policies, but any value is kept).
  RunResult load(std::string_view source, const std::string& chunk_name);
  // Calls module[field]() under the limits.
  RunResult call(const char* field);
  // Calls module.evaluate(ctx) under the limits; what the policy proposed lands in `outputs`
  // (nothing, if the run failed: a failed evaluation proposes nothing).
  RunResult evaluate(const PolicyInputs& inputs, PolicyOutputs& outputs);

  // ctx.state as JSON, for a new version of the policy (hot reload) or the store (restart);
  // or why it cannot be kept (it holds a function, a cycle…).
  Result<std::string> save_state();
  // Replaces ctx.state with what save_state() wrote.
  Result<void> restore_state(const std::string& json);

  // Pushes the loaded module if it is a table (true), else pushes nothing.
  bool push_module();

  // True during a run that has passed its deadline (by its clock, or by the watchdog's).
  bool past_deadline() const;
  // The state that owns L (a coroutine of it included), or null for a bare sandbox.
  static PolicyState* of(lua_State* L);
  // Whether the deadline hook has fired in the run in progress (library.hpp says why).
  bool deadline_passed() const { return deadline_passed_; }
  void mark_deadline_passed() { deadline_passed_ = true; }

  lua_State* lua() { return L_; }
  const MemoryCap& memory() const { return *cap_; }
  MemoryCap& memory() { return *cap_; }
  const std::string& name() const { return name_; }

 private:
  RunResult run(int nargs, int nresults);
  bool state_kept();  // ctx.state is still the table the host keeps
  bool cancelled() const;
  static void hook(lua_State* L, ::lua_Debug* ar);

  std::string name_;
  Limits limits_;
  const Clock& clock_;
  std::unique_ptr<MemoryCap> cap_;
  lua_State* L_ = nullptr;
  int module_ref_ = -2;  // LUA_NOREF
  Nanos deadline_ = 0;
  bool deadline_passed_ = false;
  Evaluation* current_ = nullptr;  // the evaluation in progress, for ctx
  int ctx_ref_ = -2;               // the state's one ctx table (LUA_NOREF until first used)
  int state_ref_ = -2;             // ctx.state
};

}  // namespace setpoint::bindings

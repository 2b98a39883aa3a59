#include "setpoint/bindings/policy_state.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <luajit.h>
}

#include <chrono>
#include <functional>

#include "evaluation.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/bindings/library.hpp"
#include "setpoint/bindings/state_codec.hpp"
#include "watchdog.hpp"

namespace setpoint::bindings {
namespace {

// The registry key under which a state keeps a pointer to its PolicyState: the hook and the
// sandbox's C functions find their own run's deadline through the lua_State they are given.
char kStateKey = 0;

std::int64_t steady_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// module[field] without running any metamethod of the policy's: pushes the value (nil if
// absent); false (nothing pushed) when the module is not a table.
bool push_field(lua_State* L, int module_ref, const char* field) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, module_ref);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return false;
  }
  lua_pushstring(L, field);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  return true;
}

}  // namespace

PolicyState* PolicyState::of(lua_State* L) {
  lua_pushlightuserdata(L, &kStateKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* self = static_cast<PolicyState*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return self;
}

bool past_deadline(lua_State* L) {
  const PolicyState* self = PolicyState::of(L);
  return self != nullptr && self->past_deadline();
}

bool deadline_was_passed(lua_State* L) {
  const PolicyState* self = PolicyState::of(L);
  return self != nullptr && self->deadline_passed();
}

void mark_deadline_passed(lua_State* L) {
  if (PolicyState* self = PolicyState::of(L)) self->mark_deadline_passed();
}

const char* failure_name(Failure failure) {
  switch (failure) {
    case Failure::kNone: return "ok";
    case Failure::kSyntax: return "syntax";
    case Failure::kRuntime: return "runtime";
    case Failure::kDeadline: return "deadline";
    case Failure::kMemory: return "memory";
    case Failure::kBytecode: return "bytecode";
  }
  return "runtime";
}

PolicyState::PolicyState(std::string name, Limits limits, const Clock& clock, const Stdlib* stdlib)
    : name_(std::move(name)), limits_(limits), clock_(clock), cap_(std::make_unique<MemoryCap>()) {
  cap_->limit = limits_.memory;
  cap_->shared = limits_.budget;
  L_ = lua_newstate(&MemoryCap::allocate, cap_.get());
  if (L_ == nullptr) return;
  luaJIT_setmode(L_, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
  open_sandbox(L_, std::hash<std::string>{}(name_), stdlib, &current_);
  lua_pushlightuserdata(L_, &kStateKey);
  lua_pushlightuserdata(L_, this);
  lua_rawset(L_, LUA_REGISTRYINDEX);
  // The hook is armed for the life of the state; it only acts while a run has a deadline.
  lua_sethook(L_, &PolicyState::hook, LUA_MASKCOUNT, limits_.hook_every);
}

PolicyState::~PolicyState() {
  if (L_ != nullptr) lua_close(L_);
}

bool PolicyState::past_deadline() const {
  return deadline_ != 0 && (watchdog::overdue() || clock_.monotonic() >= deadline_ || cancelled());
}

bool PolicyState::cancelled() const {
  return limits_.cancel != nullptr && limits_.cancel->load(std::memory_order_relaxed);
}

void PolicyState::hook(lua_State* L, lua_Debug*) {
  PolicyState* self = of(L);
  if (self == nullptr || !self->past_deadline()) return;
  // Raised again at every check until the run returns: pcall cannot swallow it for long, and
  // the sandboxed pcall re-raises it at once.
  self->deadline_passed_ = true;
  lua_pushlightuserdata(L, &kDeadlineSentinel);
  lua_error(L);
}

RunResult PolicyState::run(int nargs, int nresults) {
  cap_->refused = false;
  deadline_ = clock_.monotonic() + limits_.cpu;
  const bool outer_passed = deadline_passed_;  // a run within a run of this state (a host call)
  deadline_passed_ = false;
  const watchdog::Armed previous =
      watchdog::arm(L_, &PolicyState::hook, steady_now() + limits_.cpu);
  const int status = lua_pcall(L_, nargs, nresults, 0);
  if (watchdog::disarm(previous))
    lua_sethook(L_, &PolicyState::hook, LUA_MASKCOUNT, limits_.hook_every);
  const bool timed_out = deadline_passed_;
  deadline_passed_ = outer_passed;
  deadline_ = 0;
  if (status == 0) return {};
  RunResult result;
  if ((timed_out || lua_touserdata(L_, -1) == &kDeadlineSentinel) && cancelled()) {
    result = {Failure::kDeadline, "policy " + name_ + " was stopped: the engine is stopping"};
  } else if (timed_out || lua_touserdata(L_, -1) == &kDeadlineSentinel) {
    result = {Failure::kDeadline, "policy " + name_ + " exceeded its CPU deadline of " +
                                      std::to_string(limits_.cpu / kNanosPerMilli) + " ms"};
  } else if (status == LUA_ERRMEM || cap_->refused) {
    result = {Failure::kMemory, "policy " + name_ + " exceeded its memory cap of " +
                                    std::to_string(limits_.memory >> 20) + " MiB"};
  } else {
    // The policy's own words, made one printable line: an error may carry any bytes.
    const char* message = lua_type(L_, -1) == LUA_TSTRING || lua_type(L_, -1) == LUA_TNUMBER
                              ? lua_tostring(L_, -1)
                              : nullptr;
    result = {Failure::kRuntime,
              "policy " + name_ + ": " +
                  (message ? utf8::printable(message, 1024) : "error object is not a string")};
  }
  lua_pop(L_, 1);
  lua_gc(L_, LUA_GCCOLLECT, 0);  // give back what a failed run held
  return result;
}

RunResult PolicyState::load(std::string_view source, const std::string& chunk_name) {
  if (L_ == nullptr) return {Failure::kMemory, "policy " + name_ + ": cannot create a Lua state"};
  if (!source.empty() && source.front() == '\x1b') {
    return {Failure::kBytecode,
            "policy " + name_ + ": " + chunk_name + " is bytecode; only source text is accepted"};
  }
  const int status =
      luaL_loadbufferx(L_, source.data(), source.size(), ("@" + chunk_name).c_str(), "t");
  if (status != 0) {
    const char* message = lua_tostring(L_, -1);
    RunResult result{
        status == LUA_ERRMEM ? Failure::kMemory : Failure::kSyntax,
        "policy " + name_ + ": " + (message ? utf8::printable(message, 1024) : "cannot load")};
    lua_pop(L_, 1);
    return result;
  }
  RunResult result = run(0, 1);
  if (!result.ok()) return result;
  if (module_ref_ != LUA_NOREF) luaL_unref(L_, LUA_REGISTRYINDEX, module_ref_);
  module_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  return result;
}

RunResult PolicyState::call(const char* field) {
  if (L_ == nullptr || module_ref_ == LUA_NOREF)
    return {Failure::kRuntime, "policy " + name_ + ": not loaded"};
  if (!push_field(L_, module_ref_, field))
    return {Failure::kRuntime, "policy " + name_ + ": the file does not return a table"};
  if (!lua_isfunction(L_, -1)) {
    lua_pop(L_, 1);
    return {Failure::kRuntime, "policy " + name_ + ": no function " + field};
  }
  return run(0, 0);
}

}  // namespace setpoint::bindings

namespace setpoint::bindings {

RunResult PolicyState::evaluate(const PolicyInputs& inputs, PolicyOutputs& outputs) {
  if (L_ == nullptr || module_ref_ == LUA_NOREF)
    return {Failure::kRuntime, "policy " + name_ + ": not loaded"};
  if (!push_field(L_, module_ref_, "evaluate"))
    return {Failure::kRuntime, "policy " + name_ + ": the file does not return a table"};
  if (!lua_isfunction(L_, -1)) {
    lua_pop(L_, 1);
    return {Failure::kRuntime, "policy " + name_ + ": no function evaluate"};
  }
  Evaluation evaluation{&inputs, &outputs};
  if (ctx_ref_ == LUA_NOREF) {
    push_ctx(L_, &current_);
    ctx_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  }
  lua_rawgeti(L_, LUA_REGISTRYINDEX, ctx_ref_);
  if (state_ref_ == LUA_NOREF) {
    lua_newtable(L_);
    state_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  }
  // Raw: ctx is the policy's to play with, and a metatable it put there must not run here.
  lua_pushliteral(L_, "state");
  lua_rawgeti(L_, LUA_REGISTRYINDEX, state_ref_);
  lua_rawset(L_, -3);
  current_ = &evaluation;
  RunResult result = run(1, 0);
  current_ = nullptr;
  if (result.ok() && !state_kept()) {
    result = {Failure::kRuntime,
              "policy " + name_ +
                  ": ctx.state was replaced by another value; it is kept only as changed in place "
                  "(ctx.state.x = ..., not ctx.state = {...})"};
  }
  if (!result.ok()) outputs = PolicyOutputs{};
  return result;
}

}  // namespace setpoint::bindings

namespace setpoint::bindings {

bool PolicyState::state_kept() {
  lua_rawgeti(L_, LUA_REGISTRYINDEX, ctx_ref_);
  lua_pushliteral(L_, "state");
  lua_rawget(L_, -2);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, state_ref_);
  const bool same = lua_rawequal(L_, -1, -2) != 0;
  lua_pop(L_, 3);
  return same;
}

Result<std::string> PolicyState::save_state() {
  if (L_ == nullptr) return Error{"policy " + name_ + ": it has no Lua state (out of memory)"};
  if (state_ref_ == LUA_NOREF) return std::string("{}");
  lua_rawgeti(L_, LUA_REGISTRYINDEX, state_ref_);
  auto json = encode_state(L_, -1);
  lua_pop(L_, 1);
  if (!json) return Error{"policy " + name_ + ": " + json.error()};
  return json;
}

Result<void> PolicyState::restore_state(const std::string& json) {
  if (L_ == nullptr) return Error{"policy " + name_ + ": it has no Lua state (out of memory)"};
  if (const auto decoded = decode_state(L_, json); !decoded)
    return Error{"policy " + name_ + ": " + decoded.error()};
  if (state_ref_ != LUA_NOREF) luaL_unref(L_, LUA_REGISTRYINDEX, state_ref_);
  state_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  return {};
}

}  // namespace setpoint::bindings

namespace setpoint::bindings {

bool PolicyState::push_module() {
  if (L_ == nullptr || module_ref_ == LUA_NOREF) return false;
  lua_rawgeti(L_, LUA_REGISTRYINDEX, module_ref_);
  if (lua_istable(L_, -1)) return true;
  lua_pop(L_, 1);
  return false;
}

}  // namespace setpoint::bindings

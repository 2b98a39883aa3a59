#pragma once
// The environment a policy runs in: an allow-list, built fresh in each policy state. See
// library.cpp for what is left out and why.
#include <cstddef>
#include <cstdint>

#include "setpoint/bindings/stdlib.hpp"

struct lua_State;

namespace setpoint::bindings {

struct Evaluation;

// Replaces the state's globals with the sandbox environment. `seed` seeds math.random;
// `require` resolves names in `stdlib` only (none when it is null); os.time and os.date read
// the engine clock of the evaluation `*current` points to.
void open_sandbox(lua_State* L, std::uint64_t seed, const Stdlib* stdlib,
                  Evaluation* const* current);

// The error value the deadline hook raises; sandboxed pcall, xpcall and coroutine.resume
// re-raise it (and memory errors), so a policy cannot catch its way past a limit.
extern char kDeadlineSentinel;
// The deadline of the run in progress on L, kept by its PolicyState (found through L's
// registry, so states sharing a thread never see each other's). Marked by the deadline hook
// when it fires, cleared when a run starts: once the deadline has passed, any error caught by
// a sandboxed pcall — even "error in error handling", which is what a hook firing inside an
// xpcall handler becomes — is re-raised as the deadline. Without a PolicyState (a bare
// sandbox) there is no deadline.
bool deadline_was_passed(lua_State* L);
void mark_deadline_passed(lua_State* L);
// True when the run in progress on L is past its deadline (its clock or the watchdog says
// so): C functions that do much work in one call ask this now and then.
bool past_deadline(lua_State* L);

// Work done inside one C call is invisible to the count hook, which fires between VM
// instructions. The host's own C functions charge what they scan here; every so often the
// charge looks at the deadline itself and raises it (the watchdog covers the C functions that
// are not ours).
void charge(lua_State* L, std::size_t bytes);

// The largest table table.sort accepts: sorting runs in C, where no hook can stop it.
constexpr int kMaxSortSize = 100'000;

}  // namespace setpoint::bindings

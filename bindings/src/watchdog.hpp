#pragma once
// The wall-clock watchdog. The deadline hook runs between VM instructions, once every
// `hook_every` of them, and one instruction can be a C call that works for milliseconds (a
// search through megabytes, a string built near the memory cap): a thousand of those would
// overrun a 50 ms deadline by seconds. A thread of the watchdog's own looks at every run in
// progress every few milliseconds; when one is past its deadline, it signals the thread running
// it, and the signal's handler, on that thread, sets the state's count hook to fire at the very
// next instruction — lua_sethook is the one Lua call that may run in a signal handler (it is
// how LuaJIT's own interpreter stops a script on Ctrl-C). The run then ends within one C call.
#include <cstdint>

struct lua_State;
struct lua_Debug;

namespace setpoint::bindings::watchdog {

using Hook = void (*)(lua_State*, lua_Debug*);

// What arm() replaced on this thread, for disarm() to put back: runs nest (a test file's run
// calls a policy's), each with its own deadline.
struct Armed {
  lua_State* L = nullptr;
  Hook hook = nullptr;
  std::int64_t deadline = 0;
};

// From now until disarm(), if `deadline` (std::chrono::steady_clock, in nanoseconds) passes,
// the calling thread's run of `L` is made to check its hook at every instruction and
// overdue() turns true.
Armed arm(lua_State* L, Hook hook, std::int64_t deadline);
// Ends this thread's current arming and restores `previous`. True if the watchdog had fired
// for the run that ends (its caller then restores the hook's usual count).
bool disarm(const Armed& previous);
// True once the watchdog has found this thread's current run past its deadline.
bool overdue();

}  // namespace setpoint::bindings::watchdog

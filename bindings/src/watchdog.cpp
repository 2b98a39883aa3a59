#include "watchdog.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

extern "C" {
#include <lua.h>
}

namespace setpoint::bindings::watchdog {
namespace {

// SIGURG is ignored by default and used by nothing here (Go's runtime preempts goroutines with
// it for the same reason): a stray one does no harm.
constexpr int kSignal = SIGURG;
constexpr auto kLookEvery = std::chrono::milliseconds(5);

// One thread's run in progress, written only by its thread, read by the watchdog and by the
// signal handler (on that thread). An evaluation takes about a microsecond, so arming must
// cost nanoseconds: a sequence lock of plain stores, no locked instruction. `generation` is
// odd while the fields change, and a reader that sees it change, or odd, looks again later.
struct Slot {
  std::atomic<lua_State*> L{nullptr};
  std::atomic<Hook> hook{nullptr};
  std::atomic<std::int64_t> deadline{0};
  std::atomic<std::uint64_t> generation{0};  // which arming is current; odd while it changes
  std::atomic<std::uint64_t> fire{1};        // the arming the watchdog signalled for (odd: none)
  std::atomic<bool> overdue{false};
  std::atomic<bool> in_use{true};
  pthread_t thread{};
};

// Never destroyed: the watchdog thread may look at it while the process exits. The slots never
// shrink either: a signal in flight may still name one.
struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<Slot>> slots;
};
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

// This thread's slot, given back for reuse when the thread ends.
struct Owner {
  Slot* slot = nullptr;
  ~Owner() {
    if (slot != nullptr) slot->in_use.store(false);
  }
};
thread_local Owner owner;
__attribute__((tls_model("initial-exec"))) thread_local Slot* my_slot = nullptr;

void on_signal(int) {
  Slot* s = my_slot;
  if (s == nullptr) return;
  // Interrupting its own thread, the handler sees the fields as that thread last wrote them.
  const std::uint64_t generation = s->generation.load(std::memory_order_relaxed);
  if (s->fire.load(std::memory_order_acquire) != generation)
    return;  // that run has ended (or is changing)
  lua_State* L = s->L.load(std::memory_order_relaxed);
  if (L == nullptr) return;
  s->overdue.store(true, std::memory_order_relaxed);
  lua_sethook(L, s->hook.load(std::memory_order_relaxed), LUA_MASKCOUNT, 1);
}

std::int64_t steady_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The run in progress in `s`, if it is past its deadline and not yet signalled: its
// generation, or none (odd).
std::uint64_t due(const Slot& s, std::int64_t now) {
  const std::uint64_t generation = s.generation.load(std::memory_order_acquire);
  if (generation & 1) return 1;
  // Acquire: a field the thread has changed since implies the generation has changed too.
  const bool running = s.L.load(std::memory_order_acquire) != nullptr;
  const bool overdue = s.overdue.load(std::memory_order_acquire);
  const std::int64_t deadline = s.deadline.load(std::memory_order_acquire);
  if (s.generation.load(std::memory_order_relaxed) != generation) return 1;  // changed as we read
  if (!running || overdue || now < deadline || s.fire.load(std::memory_order_relaxed) == generation)
    return 1;
  return generation;
}

void watch() {
  // A signal sent to the process (SIGTERM, SIGHUP) goes to any thread that does not block it:
  // were it this one, its default action would end the process mid-pass. The daemon takes
  // them with sigtimedwait on its own thread; this one never takes any.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  for (;;) {
    std::this_thread::sleep_for(kLookEvery);
    const std::int64_t now = steady_now();
    std::lock_guard lock(registry().mutex);
    for (const auto& s : registry().slots) {
      const std::uint64_t generation = due(*s, now);
      if (generation & 1) continue;
      s->fire.store(generation, std::memory_order_release);
      pthread_kill(s->thread, kSignal);
    }
  }
}

void start() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(kSignal, &action, nullptr);
  std::thread(watch).detach();  // lives as long as the process
}

Slot& slot() {
  if (my_slot != nullptr) return *my_slot;
  static std::once_flag started;
  std::call_once(started, start);
  // The signal may be blocked in threads that inherited a mask for sigtimedwait: not this one.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, kSignal);
  pthread_sigmask(SIG_UNBLOCK, &mask, nullptr);
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  Slot* found = nullptr;
  for (const auto& s : r.slots) {
    bool free = false;
    if (s->in_use.compare_exchange_strong(free, true)) {
      found = s.get();
      break;
    }
  }
  if (found == nullptr) {
    r.slots.push_back(std::make_unique<Slot>());
    found = r.slots.back().get();
  }
  found->thread = pthread_self();
  owner.slot = found;
  my_slot = found;
  return *found;
}

}  // namespace

namespace {

// Runs `change` on this thread's slot between the two halves of the sequence lock. The
// fields are stored with release, so a reader that sees one changed sees the odd generation.
template <typename Change>
void update(Slot& s, Change change) {
  const std::uint64_t generation = s.generation.load(std::memory_order_relaxed);
  s.generation.store(generation + 1, std::memory_order_relaxed);  // odd: neither fires now
  std::atomic_signal_fence(
      std::memory_order_seq_cst);  // the handler sees odd before any change, loads included
  change();
  s.generation.store(generation + 2, std::memory_order_release);
}

}  // namespace

Armed arm(lua_State* L, Hook hook, std::int64_t deadline) {
  Slot& s = slot();
  const Armed previous{s.L.load(std::memory_order_relaxed), s.hook.load(std::memory_order_relaxed),
                       s.deadline.load(std::memory_order_relaxed)};
  update(s, [&] {
    s.overdue.store(false, std::memory_order_release);
    s.hook.store(hook, std::memory_order_release);
    s.deadline.store(deadline, std::memory_order_release);
    s.L.store(L, std::memory_order_release);
  });
  return previous;
}

bool disarm(const Armed& previous) {
  Slot& s = slot();
  bool fired = false;
  update(s, [&] {
    fired =
        s.overdue.load(std::memory_order_relaxed);  // read once the handler can no longer set it
    s.overdue.store(false, std::memory_order_release);
    s.hook.store(previous.hook, std::memory_order_release);
    s.deadline.store(previous.deadline, std::memory_order_release);
    s.L.store(previous.L, std::memory_order_release);
  });
  return fired;
}

bool overdue() { return my_slot != nullptr && my_slot->overdue.load(std::memory_order_relaxed); }

}  // namespace setpoint::bindings::watchdog

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

// One thread's run in progress. Written by its thread; read by the watchdog and by the
// signal handler (on that thread), hence atomics.
struct Slot {
  std::atomic<lua_State*> L{nullptr};
  std::atomic<Hook> hook{nullptr};
  std::atomic<std::int64_t> deadline{0};
  std::atomic<std::uint64_t> generation{0};  // which arming is current
  std::atomic<std::uint64_t> fire{0};        // the arming the watchdog signalled for
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
  lua_State* L = s->L.load();
  if (L == nullptr || s->fire.load() != s->generation.load()) return;  // that run has ended
  s->overdue.store(true);
  lua_sethook(L, s->hook.load(), LUA_MASKCOUNT, 1);
}

std::int64_t steady_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void watch() {
  for (;;) {
    std::this_thread::sleep_for(kLookEvery);
    const std::int64_t now = steady_now();
    std::lock_guard lock(registry().mutex);
    for (const auto& s : registry().slots) {
      if (s->L.load() == nullptr || s->overdue.load() || now < s->deadline.load()) continue;
      const std::uint64_t generation = s->generation.load();
      if (s->fire.load() == generation) continue;  // signalled already
      s->fire.store(generation);
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

Armed arm(lua_State* L, Hook hook, std::int64_t deadline) {
  Slot& s = slot();
  Armed previous{s.L.load(), s.hook.load(), s.deadline.load()};
  s.L.store(nullptr);  // nothing fires while the fields change
  s.generation.fetch_add(1);
  s.overdue.store(false);
  s.hook.store(hook);
  s.deadline.store(deadline);
  s.L.store(L);
  return previous;
}

bool disarm(const Armed& previous) {
  Slot& s = slot();
  s.L.store(nullptr);
  const bool fired = s.overdue.load();
  s.generation.fetch_add(1);
  s.overdue.store(false);
  if (previous.L != nullptr) {
    s.hook.store(previous.hook);
    s.deadline.store(previous.deadline);
    s.L.store(previous.L);
  }
  return fired;
}

bool overdue() { return my_slot != nullptr && my_slot->overdue.load(std::memory_order_relaxed); }

}  // namespace setpoint::bindings::watchdog

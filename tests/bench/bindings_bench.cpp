// Figures for the policy runtime.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.hpp"
#include "setpoint/bindings/policy_folder.hpp"
#include "setpoint/bindings/policy_state.hpp"
#include "setpoint/windows/aggregator.hpp"

// The reference policy (reference_policy.cpp), shared with the PUC Lua 5.4 benchmark.
extern const char* const kReferenceAimd;

namespace setpoint::bench {

namespace {

// How far past its 50 ms deadline a hostile run goes before it is stopped: a plain VM loop
// (the count hook), and loops of long C calls (string.rep, a plain find through 7 MiB that
// charges what it scans, string.upper that charges nothing and is ended by the watchdog). The
// median and the worst of five runs of each, in ms past the deadline.
void deadline_overrun(Figures& figures, const Clock& clock) {
  std::vector<double> overruns;
  for (const char* name :
       {"infinite_loop", "ccall_rep_overrun", "ccall_find_overrun", "ccall_upper_overrun"}) {
    std::ifstream in(std::string(SETPOINT_SOURCE_DIR) + "/tests/bindings/hostile/" + name + ".lua");
    const std::string source((std::istreambuf_iterator<char>(in)), {});
    bindings::PolicyState state(name, {}, clock);
    if (!state.load(source, std::string(name) + ".lua").ok()) continue;
    for (int run = 0; run < 5; ++run) {
      const Nanos start = clock.monotonic();
      const auto result = state.call("evaluate");
      const Nanos took = clock.monotonic() - start;
      if (result.failure != bindings::Failure::kDeadline) continue;
      overruns.push_back(static_cast<double>(took - bindings::Limits{}.cpu) / kNanosPerMilli);
    }
  }
  if (overruns.empty()) return;
  figures.set("deadline_overrun_ms", median(overruns));
  figures.set("deadline_overrun_max_ms", *std::max_element(overruns.begin(), overruns.end()));
}

}  // namespace

void bindings_benchmarks(Figures& figures) {
  if (!selected("bindings")) return;
  SystemClock clock;
  std::vector<double> sizes;
  for (int i = 0; i < 5; ++i) {
    bindings::PolicyState state("idle" + std::to_string(i), {}, clock);
    state.load("return { every = '5s', evaluate = function(ctx) end }", "idle.lua");
    sizes.push_back(static_cast<double>(state.memory().used) / 1024);
  }
  figures.set("policy_state_kib", median(sizes));

  // End to end from C++: inputs read a real aggregator, the policy runs, a proposal comes out.
  Aggregator aggregator({});
  auto handle = aggregator.resolve("http.server", {{"service", "checkout"}});
  const Nanos now = 1'795'168'800LL * kNanosPerSecond;
  for (int i = 0; i < 6000; ++i)
    handle.record(now - (i % 60) * kNanosPerSecond, 100.0 + i % 300, OutcomeSet::kOk);
  sketch::Accumulator scratch;
  bindings::PolicyInputs inputs;
  inputs.outcomes = &aggregator.outcomes();
  inputs.now = now;
  inputs.window = [&](const std::string& key, Nanos span) -> std::optional<WindowStats> {
    const auto id = aggregator.find(key);
    if (!id) return WindowStats{};
    return aggregator.read(*id, now, span, scratch);
  };
  inputs.param = [](std::string_view) -> std::optional<ProposedValue> { return 100.0; };
  bindings::PolicyState state("checkout-concurrency", {}, clock);
  state.load(kReferenceAimd, "aimd.lua");
  constexpr std::uint64_t kOps = 100'000;
  std::size_t proposals = 0;
  figures.set("policy_eval_ns", ns_per_op(kOps, 7, [&] {
                for (std::uint64_t i = 0; i < kOps; ++i) {
                  bindings::PolicyOutputs out;
                  state.evaluate(inputs, out);
                  proposals += out.proposals.size();
                }
              }));
  keep(proposals);
  // Its two halves: the window read alone, and the evaluation with the read answered for free.
  figures.set("policy_eval_window_read_ns", ns_per_op(kOps, 7, [&] {
                for (std::uint64_t i = 0; i < kOps; ++i)
                  keep(inputs.window("http.server{service=checkout}", 60 * kNanosPerSecond)->count);
              }));
  const auto fixed = inputs.window("http.server{service=checkout}", 60 * kNanosPerSecond);
  bindings::PolicyInputs fixed_inputs = inputs;
  fixed_inputs.window = [&](const std::string&, Nanos) { return fixed; };
  figures.set("policy_eval_without_read_ns", ns_per_op(kOps, 7, [&] {
                for (std::uint64_t i = 0; i < kOps; ++i) {
                  bindings::PolicyOutputs out;
                  state.evaluate(fixed_inputs, out);
                  proposals += out.proposals.size();
                }
              }));
  keep(proposals);

  // File saved -> new version live, through inotify, the 50 ms debounce and a fresh compile,
  // polled every millisecond as an engine loop would between evaluations.
  const std::string dir = "/tmp/setpoint-bench-reload";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto write = [&](int version) {
    std::ofstream(dir + "/aimd.lua") << kReferenceAimd << "\n-- version " << version << "\n";
  };
  write(0);
  bindings::PolicyFolder folder(dir, nullptr, {}, clock, {});
  folder.scan(clock.monotonic());
  // The engine thread's longest poll() during each reload: the stall other policies would see.
  std::vector<double> reloads, stalls;
  for (int v = 1; v <= 7; ++v) {
    const Nanos start = clock.monotonic();
    write(v);
    Nanos longest = 0;
    for (bool swapped = false; !swapped;) {
      const Nanos before = clock.monotonic();
      swapped = !folder.poll(before).empty();
      longest = std::max(longest, clock.monotonic() - before);
      if (!swapped) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    reloads.push_back(static_cast<double>(clock.monotonic() - start) / kNanosPerMilli);
    stalls.push_back(static_cast<double>(longest) / kNanosPerMilli);
  }
  figures.set("reload_ms", median(reloads));
  figures.set("reload_stall_ms", median(stalls));
  deadline_overrun(figures, clock);
#ifdef SETPOINT_PUC54_BENCH
  // The same policy and binding on PUC Lua 5.4, divided by ours (policy_eval_ns just above).
  if (std::FILE* pipe = ::popen(SETPOINT_PUC54_BENCH, "r")) {
    double puc54 = 0;
    if (std::fscanf(pipe, "%lf", &puc54) == 1 && puc54 > 0) {
      figures.set("policy_eval_puc54_ns", puc54);
      figures.set("policy_eval_puc54_ratio", puc54 / figures.get("policy_eval_ns"));
    }
    ::pclose(pipe);
  }
#endif
  std::filesystem::remove_all(dir);
}

}  // namespace setpoint::bench

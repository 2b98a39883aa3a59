// Figures for the policy runtime.
#include "harness.hpp"
#include "setpoint/aggregator.hpp"
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "setpoint/bindings/policy_folder.hpp"
#include "setpoint/bindings/policy_state.hpp"

namespace setpoint::bench {

// The reference policy of the design: read one window and a parameter, propose one change.
extern const char* const kReferenceAimd = R"(
local function aimd(limit, congested) if congested then return limit * 0.9 else return limit + 1 end end
return {
  name = "checkout-concurrency",
  every = "5s",
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = "checkout" }, "1m")
    if m.count < 100 then return end
    local limit = ctx:param("checkout.max_concurrency")
    ctx:set("checkout.max_concurrency", aimd(limit, m.p99 > 250 or m.error_rate > 0.02),
            { reason = "p99 high" })
  end,
})";

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
  for (int i = 0; i < 6000; ++i) handle.record(now - (i % 60) * kNanosPerSecond, 100.0 + i % 300, OutcomeSet::kOk);
  sketch::Accumulator scratch;
  bindings::PolicyInputs inputs;
  inputs.outcomes = &aggregator.outcomes();
  inputs.now = now;
  inputs.window = [&](const std::string& key, Nanos span) -> std::optional<WindowStats> {
    const auto id = aggregator.find(key);
    if (!id) return WindowStats{};
    return aggregator.read(*id, now, span, scratch);
  };
  inputs.param = [](const std::string&) -> std::optional<ProposedValue> { return 100.0; };
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
  std::vector<double> reloads;
  for (int v = 1; v <= 7; ++v) {
    const Nanos start = clock.monotonic();
    write(v);
    while (folder.poll(clock.monotonic()).empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    reloads.push_back(static_cast<double>(clock.monotonic() - start) / kNanosPerMilli);
  }
  figures.set("reload_ms", median(reloads));
  std::filesystem::remove_all(dir);
}

}  // namespace setpoint::bench

// The dashboard's first paint with 10,000 decisions in the store (the last hour's, so the
// overview counts them all), through Debian's chromium on the real `setpoint run`: the median
// of 5 fresh loads (tests/dashboard/first_paint.mjs). Without node or chromium it times the
// API calls the first page makes instead (the page, its scripts, /v1/session, /v1/overview),
// and says so.
#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "setpoint/audit/audit_store.hpp"
#include "support/daemon.hpp"
#include "support/raw_http.hpp"

namespace setpoint::bench {
namespace {

constexpr const char* kViewer = "viewer-token-0123456789";

void seed(const std::string& db, int n) {
  auto store = AuditStore::open(db).value();
  const Nanos now = SystemClock().wall();
  for (int i = 0; i < n; ++i) {
    Decision d;
    d.at = now - 3000 * kNanosPerSecond + i * (3000 * kNanosPerSecond / n);
    d.policy = i % 3 == 0 ? "checkout-concurrency" : "checkout-timeout";
    d.policy_version = "0123456789ab";
    d.proposal = Proposal::set(d.policy, i % 3 == 0 ? "app.limit" : "app.timeout_ms",
                               100.0 + i % 50, "p99 412 ms over the 300 ms target");
    d.verdict.kind = i % 4 == 0 ? VerdictKind::kBlock : VerdictKind::kAllow;
    d.verdict.reason = i % 4 == 0 ? Reason::kCooldown : Reason::kOk;
    d.verdict.current = 100;
    d.verdict.proposed = d.verdict.value = 100.0 + i % 50;
    d.evidence = R"({"http.server{service=checkout}@1m":{"count":1200,"p99":412}})";
    d.mode = Mode::kEnforce;
    d.outcome = i % 4 == 0 ? DecisionOutcome::kBlocked : DecisionOutcome::kApplied;
    (void)store->record(d);
  }
}

// What node printed, or empty when it could not run.
std::string run_node(const std::string& args) {
  std::FILE* pipe = ::popen(("node " + args + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return {};
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    out.append(buffer.data(), n);
  return ::pclose(pipe) == 0 ? out : std::string();
}

double api_first_page_ms(int port) {
  const std::string auth = std::string("Authorization: Bearer ") + kViewer + "\r\n";
  const char* paths[] = {"/",
                         "/assets/app.js",
                         "/assets/api.js",
                         "/assets/dom.js",
                         "/assets/pages/overview.js",
                         "/assets/uPlot.iife.min.js",
                         "/assets/dashboard.css",
                         "/v1/session",
                         "/v1/overview"};
  std::vector<double> runs;
  for (int r = 0; r < 5; ++r) {
    const double start = now_seconds();
    for (const char* p : paths)
      (void)testing::raw_request(
          port, std::string("GET ") + p + " HTTP/1.1\r\nHost: b\r\n" + auth + "\r\n");
    runs.push_back((now_seconds() - start) * 1000);
  }
  return median(runs);
}

}  // namespace

void dashboard_benchmarks(Figures& figures) {
  if (!selected("dashboard")) return;
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  seed(dir.file("setpoint.db"), 10'000);
  testing::write_file(
      dir.file("tokens.yaml"),
      std::string("tokens:\n  - { name: vera, role: viewer, token: ") + kViewer + " }\n");
  testing::write_file(dir.file("setpoint.yaml"),
                      "engine: { tick: 100ms, state_path: setpoint.db }\n"
                      "policies: { dir: policies }\n"
                      "control_plane: { listen: 127.0.0.1:0, tokens_file: tokens.yaml }\n");
  testing::Daemon daemon(dir.path().string(), {"--config", "setpoint.yaml"});
  if (daemon.port() <= 0) return;
  const std::string url = "http://127.0.0.1:" + std::to_string(daemon.port());
  const std::string printed =
      run_node(std::string(SETPOINT_SOURCE_DIR) + "/tests/dashboard/first_paint.mjs " + url + " " +
               kViewer + " 5");
  const auto doc = nlohmann::json::parse(printed, nullptr, false);
  const auto samples = [&](const char* key) {
    std::vector<double> v;
    if (doc.is_object() && doc.contains(key))
      for (const auto& x : doc[key]) v.push_back(x.get<double>());
    return v;
  };
  if (const auto paint = samples("first_paint_ms"); !paint.empty()) {
    figures.set("dashboard_first_paint_ms", median(paint));
    figures.set("dashboard_decisions_ready_ms", median(samples("decisions_ready_ms")));
    if (const auto fcp = samples("fcp_ms"); !fcp.empty())
      figures.set("dashboard_fcp_ms", median(fcp));
  } else {
    std::fprintf(stdout,
                 "dashboard: no browser here (node, puppeteer-core or chromium); timing "
                 "the first page's API calls instead\n");
    figures.set("dashboard_first_paint_ms", api_first_page_ms(daemon.port()));
  }
  daemon.signal(SIGTERM);
  daemon.wait_exit();
}

}  // namespace setpoint::bench

#include "commands/eval_command.hpp"

#include <filesystem>
#include <iostream>

#include "config/schedule.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/regular_file.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/bindings/policy_candidate.hpp"
#include "setpoint/bindings/policy_info.hpp"
#include "setpoint/bindings/policy_state.hpp"
#include "setpoint/testing/fixture.hpp"

namespace setpoint::runner {

using bindings::testing::Fixture;
using bindings::testing::kMaxFixtureBytes;
using bindings::testing::value_json;

int run_eval(const EvalArgs& args) {
  const auto source = read_regular_file(args.policy, bindings::kMaxPolicyFileBytes);
  if (!source) {
    std::cerr << "setpoint eval: " << source.error() << "\n";
    return 2;
  }
  const auto text = read_regular_file(args.fixture, kMaxFixtureBytes);
  if (!text) {
    std::cerr << "setpoint eval: " << text.error() << "\n";
    return 2;
  }
  const auto document = parse_json(*text);
  if (!document) {
    std::cerr << "setpoint eval: " << args.fixture << ": not JSON: " << document.error() << "\n";
    return 2;
  }
  const nlohmann::json& doc = *document;
  OutcomeSet outcomes;
  auto parsed = bindings::testing::parse_fixture(doc, outcomes, args.fixture);
  if (!parsed) {
    std::cerr << "setpoint eval: " << parsed.error() << "\n";
    return 2;
  }
  const Fixture& fixture = parsed.value();

  auto stdlib = bindings::load_stdlib(args.stdlib.empty() ? SETPOINT_STDLIB_DIR : args.stdlib);
  if (!stdlib) {
    std::cerr << "setpoint eval: " << stdlib.error() << "\n";
    return 2;
  }
  SystemClock clock;
  const std::string name = std::filesystem::path(args.policy).stem().string();
  bindings::PolicyState state(name, {}, clock, &stdlib.value());
  if (fixture.state) {
    if (const auto restored = state.restore_state(*fixture.state); !restored) {
      std::cerr << "setpoint eval: " << args.fixture << ": state: " << restored.error() << "\n";
      return 2;
    }
  }
  bindings::PolicyOutputs out;
  bindings::RunResult result =
      state.load(*source, std::filesystem::path(args.policy).filename().string());
  // What the engine and check refuse of a definition, eval refuses too (every = "0ms" and a
  // schedule of "daily 25:99" gave "0 proposals" here).
  std::optional<bindings::PolicyInfo> info;
  if (result.ok()) {
    std::vector<std::string> problems;
    info = bindings::read_policy_info(state, name, problems);
    if (info) {
      if (const auto schedule = Schedule::make(info->every, info->schedule); !schedule)
        problems.push_back("schedule: " + schedule.error());
    }
    if (!problems.empty()) {
      for (const auto& p : problems)
        std::cerr << "setpoint eval: " << args.policy << ": " << p << "\n";
      return 1;
    }
  }
  if (result.ok()) result = state.evaluate(fixture.inputs(outcomes), out);
  if (!result.ok()) {
    std::cerr << "setpoint eval: " << result.message << " ("
              << bindings::failure_name(result.failure) << ")\n";
    return 1;
  }
  const auto kept = state.save_state();
  if (!kept) {
    std::cerr << "setpoint eval: " << kept.error() << "\n";
    return 1;
  }

  if (args.json) {
    auto doc_out = bindings::testing::outputs_json(out, *kept);
    doc_out["policy"] = info->name;
    std::cout << dump(doc_out, 2) << "\n";
    return 0;
  }
  std::cout << "policy " << info->name << ": " << out.proposals.size() << " proposal"
            << (out.proposals.size() == 1 ? "" : "s") << "\n";
  for (const auto& p : out.proposals) {
    if (p.kind == Proposal::Kind::kSet) {
      std::cout << "  set " << p.target << " = " << dump(value_json(p.value));
    } else if (p.kind == Proposal::Kind::kBounds) {
      std::cout << "  bounds " << p.target << " [" << dump(value_json(p.bounds_min)) << ", "
                << dump(value_json(p.bounds_max)) << "]"
                << (p.confidence ? " confidence " + dump(nlohmann::json(*p.confidence)) : "");
    } else {
      nlohmann::json a = nlohmann::json::object();
      for (const auto& [k, v] : p.args) a[k] = value_json(v);
      std::cout << "  act " << p.target << " " << dump(a);
    }
    std::cout << (p.reason.empty() ? "" : "  (" + p.reason + ")") << "\n";
  }
  for (const auto& a : out.alerts) std::cout << "  alert: " << a << "\n";
  if (out.report) std::cout << "  report: " << utf8::printable(*out.report, 2000) << "\n";
  for (const auto& l : out.logs) std::cout << "  log: " << l << "\n";
  std::cout << "  state: " << *kept << "\n";
  return 0;
}

}  // namespace setpoint::runner

#include "eval_command.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fixture.hpp"
#include "setpoint/bindings/policy_state.hpp"

namespace setpoint::runner {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int run_eval(const EvalArgs& args) {
  const auto source = read_text(args.policy);
  if (!source) {
    std::cerr << "setpoint eval: " << args.policy << ": cannot read the file\n";
    return 2;
  }
  const auto text = read_text(args.fixture);
  if (!text) {
    std::cerr << "setpoint eval: " << args.fixture << ": cannot read the file\n";
    return 2;
  }
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded()) {
    std::cerr << "setpoint eval: " << args.fixture << ": not JSON\n";
    return 2;
  }
  OutcomeSet outcomes;
  auto parsed = parse_fixture(doc, outcomes, args.fixture);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    std::cerr << "setpoint eval: " << *error << "\n";
    return 2;
  }
  const Fixture& fixture = std::get<Fixture>(parsed);

  auto stdlib = bindings::load_stdlib(args.stdlib.empty() ? SETPOINT_STDLIB_DIR : args.stdlib);
  if (auto* error = std::get_if<std::string>(&stdlib)) {
    std::cerr << "setpoint eval: " << *error << "\n";
    return 2;
  }
  SystemClock clock;
  const std::string name = std::filesystem::path(args.policy).stem().string();
  bindings::PolicyState state(name, {}, clock, &std::get<bindings::Stdlib>(stdlib));
  std::string error;
  if (fixture.state && !state.restore_state(*fixture.state, error)) {
    std::cerr << "setpoint eval: " << args.fixture << ": state: " << error << "\n";
    return 2;
  }
  bindings::PolicyOutputs out;
  bindings::RunResult result = state.load(*source, std::filesystem::path(args.policy).filename().string());
  if (result.ok()) result = state.evaluate(fixture.inputs(outcomes), out);
  if (!result.ok()) {
    std::cerr << "setpoint eval: " << result.message << " (" << bindings::failure_name(result.failure) << ")\n";
    return 1;
  }
  const auto kept = state.save_state(error);
  if (!kept) {
    std::cerr << "setpoint eval: " << error << "\n";
    return 1;
  }

  if (args.json) {
    auto doc_out = outputs_json(out, *kept);
    doc_out["policy"] = name;
    std::cout << doc_out.dump(2) << "\n";
    return 0;
  }
  std::cout << "policy " << name << ": " << out.proposals.size() << " proposal" << (out.proposals.size() == 1 ? "" : "s") << "\n";
  for (const auto& p : out.proposals) {
    if (p.kind == Proposal::Kind::kSet) {
      std::cout << "  set " << p.target << " = " << value_json(p.value).dump();
    } else {
      nlohmann::json a = nlohmann::json::object();
      for (const auto& [k, v] : p.args) a[k] = value_json(v);
      std::cout << "  act " << p.target << " " << a.dump();
    }
    std::cout << (p.reason.empty() ? "" : "  (" + p.reason + ")") << "\n";
  }
  for (const auto& a : out.alerts) std::cout << "  alert: " << a << "\n";
  for (const auto& l : out.logs) std::cout << "  log: " << l << "\n";
  std::cout << "  state: " << *kept << "\n";
  return 0;
}

}  // namespace setpoint::runner

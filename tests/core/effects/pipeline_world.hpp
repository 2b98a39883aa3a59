#pragma once
// What the effect pipeline's tests share: an actuator that answers as told, the checkout limit's
// spec, a world of guard, store, pipeline and decision log, and a pair of undoable actions.
#include <nlohmann/json.hpp>

#include "setpoint/effects/effect_pipeline.hpp"
#include "support/temp_dir.hpp"

namespace pipeline_world {

using namespace setpoint;
using setpoint::testing::TempDir;

inline constexpr Nanos kSec = kNanosPerSecond;

// An actuator that remembers what it was asked and answers as told.
struct FakeActuator final : Actuator {
  std::vector<Actuation> calls;
  ActuationResult::Status answer = ActuationResult::Status::kApplied;
  std::optional<ProposedValue> held;
  ActuationResult apply(const Actuation& a) override {
    calls.push_back(a);
    if (answer == ActuationResult::Status::kApplied) held = a.value;
    return {answer, answer == ActuationResult::Status::kApplied ? "ok" : "it broke"};
  }
  std::optional<ProposedValue> read_back(const std::string&) override { return held; }
};

inline ParameterSpec limit_spec() {
  ParameterSpec p;
  p.name = "checkout.limit";
  p.type = ParamType::kInt;
  p.initial = 100;
  p.min = 10;
  p.max = 500;
  p.up.max_step = StepLimit{StepLimit::Unit::kAbsolute, 10};
  p.policies = {"aimd"};
  p.key = "checkout.max_concurrency";
  return p;
}

struct World {
  TempDir dir;
  std::unique_ptr<AuditStore> store;
  Guard guard;
  FakeActuator actuator;
  std::vector<nlohmann::json> log;
  EffectPipeline pipeline;

  explicit World(ParameterSpec spec = limit_spec(), PipelineOptions options = {})
      : store(AuditStore::open(dir.file("audit.db")).value()),
        guard({std::move(spec)}, {}, {}),
        pipeline(guard, options, store.get(),
                 [this](const std::string& line) { log.push_back(nlohmann::json::parse(line)); }) {
    pipeline.bind("checkout.limit", actuator);
  }
  Decision propose(double value, Nanos now) {
    return pipeline.submit("aimd", "v1",
                           {Proposal::set("aimd", "checkout.limit", value, "p99 high")},
                           R"({"p99":412})", now)[0];
  }
  double value() const { return *guard.value("checkout.limit"); }
};

// disable_rule undone by enable_rule after 15 minutes, granted to `policy`.
inline std::vector<ActionSpec> rule_actions(const std::string& policy) {
  ActionSpec disable;
  disable.name = "disable_rule";
  disable.args = {{ActionArg::Type::kString, "rule", {"geo-block"}, 0, 0, true}};
  disable.undo_after = 900 * kSec;
  disable.undo_action = "enable_rule";
  disable.policies = {policy};
  ActionSpec enable = disable;
  enable.name = "enable_rule";
  enable.undo_after = 0;
  enable.undo_action.clear();
  return {disable, enable};
}

}  // namespace pipeline_world

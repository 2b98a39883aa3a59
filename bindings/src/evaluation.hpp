#pragma once
// One evaluation in progress: what ctx reads from and writes to. Lives only while the run
// does; ctx functions reach it through the state's pointer to the current evaluation, which
// is null between evaluations, so a ctx kept and used outside one is refused.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "setpoint/bindings/context.hpp"

struct lua_State;

namespace setpoint::bindings {

struct Evaluation {
  const PolicyInputs* inputs;
  PolicyOutputs* outputs;
};

// Pushes a ctx table whose functions reach the evaluation `*current` points to. One ctx per
// state is made and reused for every evaluation.
void push_ctx(lua_State* L, Evaluation** current);

}  // namespace setpoint::bindings

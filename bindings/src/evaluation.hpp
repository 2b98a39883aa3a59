#pragma once
// One evaluation in progress: what ctx reads from and writes to. Lives only while the run
// does; ctx functions check its id, so a ctx kept past its evaluation cannot reach it.
#include <cstdint>
#include <map>
#include <string>

#include "setpoint/bindings/context.hpp"

struct lua_State;

namespace setpoint::bindings {

struct Evaluation {
  std::uint64_t id;
  const PolicyInputs* inputs;
  PolicyOutputs* outputs;
  std::map<std::string, std::string> evidence;  // "key@span" → JSON object
};

// Pushes a fresh ctx table whose functions reach `evaluation` (through `current`, checked
// against the evaluation's id at every call).
void push_ctx(lua_State* L, Evaluation** current, std::uint64_t id);

}  // namespace setpoint::bindings

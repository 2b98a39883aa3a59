#pragma once
// Setpoint embedded in a program, for the cookbook: the engine (runner library) started from a
// YAML text on the program's own manual clock, with the seed policies folder as its policies.
// "POLICIES" in the text stands for that folder.
#include <cstdio>
#include <memory>
#include <string>
#include <variant>

#include "config/config.hpp"
#include "engine/engine.hpp"

namespace cookbook {

// The engine, started; nullptr after printing why it could not start.
inline std::unique_ptr<setpoint::runner::Engine> start_engine(std::string config,
                                                              const std::string& name,
                                                              setpoint::ManualClock& clock) {
  static setpoint::SystemClock cpu;  // policies' CPU deadlines run on real time
  config.replace(config.find("POLICIES"), 8, std::string(SETPOINT_SOURCE_DIR) + "/policies");
  auto parsed = setpoint::runner::parse_config(config, name);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().c_str());
    return nullptr;
  }
  setpoint::runner::EngineOptions options;
  options.clock = &clock;
  options.cpu_clock = &cpu;
  options.persistent = false;
  options.publish = false;
  auto engine = std::make_unique<setpoint::runner::Engine>(*parsed, options);
  if (const auto started = engine->start(); !started) {
    std::fprintf(stderr, "%s\n", started.error().c_str());
    return nullptr;
  }
  return engine;
}

}  // namespace cookbook

#pragma once
// What the control plane shows of the engine, rendered on the engine thread after each pass
// and handed over as finished JSON documents: "policies", "params", "proposals", "health".
#include <map>
#include <string>

#include "setpoint/base/clock.hpp"

namespace setpoint::runner {

class Engine;

std::map<std::string, std::string> render_views(Engine& engine, Nanos wall);

}  // namespace setpoint::runner

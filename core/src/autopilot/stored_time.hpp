#pragma once
// A time the autopilot's state documents hold, read back from the store: whole nanoseconds
// from 1970 to about 2116. A damaged or hand-edited value is a json type_error (caught by the
// document's reader as "not the document this build writes"), never an overflow later in the
// window and stability arithmetic.
#include <nlohmann/json.hpp>

#include "setpoint/base/clock.hpp"

namespace setpoint::autopilot {

inline Nanos stored_time(const nlohmann::json& j) {
  if (!j.is_number_integer()) throw nlohmann::json::type_error::create(302, "not a time", &j);
  const Nanos t = j.get<Nanos>();
  if (t < 0 || t > (Nanos{1} << 62))
    throw nlohmann::json::type_error::create(302, "not a time", &j);
  return t;
}

}  // namespace setpoint::autopilot

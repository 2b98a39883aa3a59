#include "setpoint/guard/parameter.hpp"

namespace setpoint {

const char* type_name(ParamType type) {
  switch (type) {
    case ParamType::kInt: return "int";
    case ParamType::kFloat: return "float";
    case ParamType::kBool: return "bool";
    case ParamType::kEnum: return "enum";
    case ParamType::kDuration: return "duration";
  }
  return "float";
}

}  // namespace setpoint

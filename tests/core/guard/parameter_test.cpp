#include "setpoint/guard/parameter.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("parameters: types by name; numbers, durations and nothing else are numeric") {
  const std::pair<ParamType, const char*> types[] = {{ParamType::kInt, "int"},
                                                     {ParamType::kFloat, "float"},
                                                     {ParamType::kBool, "bool"},
                                                     {ParamType::kEnum, "enum"},
                                                     {ParamType::kDuration, "duration"}};
  for (const auto& [type, text] : types) {
    CHECK(std::string(type_name(type)) == text);
    ParameterSpec spec;
    spec.type = type;
    CHECK(spec.numeric() == (type != ParamType::kBool && type != ParamType::kEnum));
  }
}

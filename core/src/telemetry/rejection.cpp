#include "setpoint/telemetry/rejection.hpp"

#include <array>

namespace setpoint {
namespace {
constexpr std::array<std::string_view, kRejectionCount> kNames = {
    "malformed_json", "invalid_utf8",   "not_object",      "duplicate_key", "missing_field",
    "wrong_type",     "bad_number",     "out_of_range",    "bad_timestamp", "ts_future",
    "ts_past",        "schema_version", "unknown_outcome", "bad_label",     "too_many_labels",
    "label_too_long", "line_too_long",  "cardinality",
};
}  // namespace

std::string_view name(Rejection reason) { return kNames[static_cast<std::size_t>(reason)]; }

}  // namespace setpoint

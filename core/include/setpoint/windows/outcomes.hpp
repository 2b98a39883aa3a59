#pragma once
// The outcomes an event can have. `ok`, `error` and `timeout` always exist; config may add
// more (say `rejected` or `cancelled`) and aliases (`success` → ok). Each outcome is either a
// failure or not; error_rate is the share of failures.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace setpoint {

using OutcomeIndex = std::uint8_t;

class OutcomeSet {
 public:
  static constexpr std::size_t kMax = 16;
  static constexpr OutcomeIndex kOk = 0;
  static constexpr OutcomeIndex kError = 1;
  static constexpr OutcomeIndex kTimeout = 2;

  OutcomeSet();
  // Adds an outcome; false when the name exists already or the set is full.
  bool add(std::string name, bool failure);
  // Makes `alias` mean `target`; false when target is unknown.
  bool alias(std::string alias, std::string_view target);

  std::optional<OutcomeIndex> find(std::string_view name) const;
  std::size_t size() const { return names_.size(); }
  const std::string& name(OutcomeIndex i) const { return names_[i]; }
  bool failure(OutcomeIndex i) const { return failure_[i]; }

 private:
  std::vector<std::string> names_;
  std::vector<bool> failure_;
  std::vector<std::pair<std::string, OutcomeIndex>> aliases_;
};

}  // namespace setpoint

#include "setpoint/canary/cohort.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/json_text.hpp"

namespace setpoint::canary {

std::uint64_t Cohort::value_count() const {
  std::uint64_t n = 0;
  for (const auto& [_, count] : values) n += count;
  return n;
}

void Cohort::merge(const Cohort& other) {
  count += other.count;
  failures += other.failures;
  std::vector<std::pair<double, std::uint64_t>> merged;
  merged.reserve(values.size() + other.values.size());
  auto a = values.cbegin();
  auto b = other.values.cbegin();
  while (a != values.cend() || b != other.values.cend()) {
    if (b == other.values.cend() || (a != values.cend() && a->first < b->first)) {
      merged.push_back(*a++);
    } else if (a == values.cend() || b->first < a->first) {
      merged.push_back(*b++);
    } else {
      merged.emplace_back(a->first, a->second + b->second);
      ++a, ++b;
    }
  }
  values = std::move(merged);
}

double Cohort::quantile(double q) const {
  const std::uint64_t n = value_count();
  if (n == 0 || !(q >= 0 && q <= 1)) return std::numeric_limits<double>::quiet_NaN();
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(n - 1));
  std::uint64_t seen = 0;
  for (const auto& [value, count] : values) {
    seen += count;
    if (rank < seen) return value;
  }
  return values.back().first;
}

double Cohort::mean() const {
  const std::uint64_t n = value_count();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (const auto& [value, count] : values) sum += value * static_cast<double>(count);
  return sum / static_cast<double>(n);
}

double Cohort::variance() const {
  const std::uint64_t n = value_count();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const double m = mean();
  double squares = 0;
  for (const auto& [value, count] : values)
    squares += (value - m) * (value - m) * static_cast<double>(count);
  return squares / static_cast<double>(n - 1);
}

std::uint64_t Cohort::at_least(double threshold) const {
  std::uint64_t n = 0;
  for (const auto& [value, count] : values)
    if (value >= threshold) n += count;
  return n;
}

std::string Cohort::to_json() const {
  std::string out = "{\"count\":";
  json_text::append_number(out, count);
  out += ",\"failures\":";
  json_text::append_number(out, failures);
  out += ",\"values\":[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '[';
    json_text::append_number(out, values[i].first);
    out += ',';
    json_text::append_number(out, values[i].second);
    out += ']';
  }
  out += "]}";
  return out;
}

Result<Cohort> Cohort::from_json(std::string_view text) {
  const auto doc = parse_own_json(text);
  if (!doc.is_object()) return Error{"a cohort is not a JSON object"};
  const auto whole = [&](const char* key) -> std::optional<std::uint64_t> {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<std::uint64_t>();
  };
  Cohort cohort;
  const auto count = whole("count"), failures = whole("failures");
  const auto values = doc.find("values");
  if (!count || !failures || values == doc.end() || !values->is_array())
    return Error{"a cohort needs count, failures and values"};
  cohort.count = *count;
  cohort.failures = *failures;
  for (const auto& pair : *values) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() ||
        !pair[1].is_number_unsigned() || !std::isfinite(pair[0].get<double>()))
      return Error{"a cohort's values are [value, count] pairs"};
    const double value = pair[0].get<double>();
    if (!cohort.values.empty() && !(cohort.values.back().first < value))
      return Error{"a cohort's values are not in ascending order"};
    cohort.values.emplace_back(value, pair[1].get<std::uint64_t>());
  }
  return cohort;
}

}  // namespace setpoint::canary

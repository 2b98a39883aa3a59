#pragma once
// What a function whose input a user controls answers: its value, or an error that names the
// place and the problem ("setpoint.yaml:3:7: engine.tick: expected a duration"). It is the one
// way the public headers report such a failure; exceptions are kept for broken invariants.
//
//   Result<Config> parse(...) { ...; if (bad) return Error{where + ": " + what}; return config; }
//   auto config = parse(...);
//   if (!config) return fail(config.error());
//   use(*config);
//
// Kept apart on purpose, as outcomes with kinds rather than errors: a policy run's RunResult
// (syntax, runtime, deadline, memory: each counted and benched differently), an actuator's
// ActuationResult (applied, failed, drift: each moves the guard differently) and the telemetry
// parser's Rejection (a reason counted per line on the hot path, its sentence made only when a
// person reads it).
#include <optional>
#include <string>
#include <utility>

namespace setpoint {

// The failure half of a Result: converts to a Result of any type.
struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Error error) : error_(std::move(error.message)) {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // The value; only when ok() (anything else is a bug: std::bad_optional_access).
  T& value() & { return value_.value(); }
  const T& value() const& { return value_.value(); }
  T&& value() && { return std::move(value_).value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Why not; empty when ok().
  const std::string& error() const { return error_; }

 private:
  std::optional<T> value_;
  std::string error_;
};

// A step that yields nothing but can fail: Result<void>{} is success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error.message)), failed_(true) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
  bool failed_ = false;
};

}  // namespace setpoint

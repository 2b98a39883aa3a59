#pragma once
// Reading YAML config with errors that name the place: every accessor takes the node and a
// dotted path, and throws ConfigFault("file:line:col: telemetry.windows[0].width: …").
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "setpoint/base/clock.hpp"

namespace setpoint::runner {

// A config, a scenario or a tokens file is a few KiB of YAML; a larger file is refused unread.
constexpr std::size_t kMaxConfigBytes = 4u << 20;

struct ConfigFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  // Parses `text`; a key given twice in one mapping is an error naming both places (yaml-cpp
  // itself keeps the first silently, so a second `control_plane:` was ignored).
  YAML::Node load(const std::string& text) const;

  [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                         const std::string& what) const;
  // "file:line:col" of a node.
  std::string place(const YAML::Node& node) const;
  // Fails on any key of the map `node` not in `allowed`; also fails when `node` is not a map.
  void keys(const YAML::Node& node, const std::string& path,
            std::initializer_list<const char*> allowed) const;
  void keys(const YAML::Node& node, const std::string& path,
            const std::vector<std::string>& allowed) const;

  // Strings expand ${VAR} from the environment; an unset variable is an error.
  std::string string(const YAML::Node& node, const std::string& path) const;
  double number(const YAML::Node& node, const std::string& path) const;
  std::int64_t integer(const YAML::Node& node, const std::string& path, std::int64_t min,
                       std::int64_t max) const;
  bool boolean(const YAML::Node& node, const std::string& path) const;
  // A share: "5%" or 0.05, from 0 to `most` (a negative one is refused, as is a NaN).
  double share(const YAML::Node& node, const std::string& path, double most) const;
  Nanos duration(const YAML::Node& node, const std::string& path) const;
  std::vector<std::string> strings(const YAML::Node& node, const std::string& path) const;

 private:
  std::string file_;
};

}  // namespace setpoint::runner

#include "config/yaml_reader.hpp"

#include <yaml-cpp/eventhandler.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "setpoint/base/duration.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

// Walks the parser's events (aliases stay unexpanded, so an alias bomb costs nothing here)
// and remembers each mapping's scalar keys.
class DuplicateKeys : public YAML::EventHandler {
 public:
  explicit DuplicateKeys(const std::string& file) : file_(file) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp's Load reads the first document only: a second would be dropped unread.
    if (documents_++ > 0) {
      throw ConfigFault(file_ + ":" + std::to_string(mark.line + 1) + ":" +
                        std::to_string(mark.column + 1) +
                        ": a second YAML document (after ---): the file must be one document");
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, nullptr); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, nullptr); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string& value) override {
    node(mark, &value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark, nullptr);
    frames_.push_back(Frame{false, true, {}});
  }
  void OnSequenceEnd() override { frames_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark, nullptr);
    frames_.push_back(Frame{true, true, {}});
  }
  void OnMapEnd() override { frames_.pop_back(); }

 private:
  struct Frame {
    bool map;
    bool at_key = true;
    std::map<std::string, YAML::Mark> keys;
  };

  // A node starts; in a mapping, nodes alternate key, value.
  void node(const YAML::Mark& mark, const std::string* scalar) {
    if (frames_.empty() || !frames_.back().map) return;
    Frame& f = frames_.back();
    const bool key = f.at_key;
    f.at_key = !f.at_key;
    if (!key || scalar == nullptr) return;
    const auto [at, fresh] = f.keys.emplace(*scalar, mark);
    if (!fresh) {
      throw ConfigFault(file_ + ":" + std::to_string(mark.line + 1) + ":" +
                        std::to_string(mark.column + 1) + ": key \"" +
                        utf8::printable(*scalar, 128) +
                        "\" is given twice in one mapping (first at line " +
                        std::to_string(at->second.line + 1) + "); YAML keeps only one of them");
    }
  }

  const std::string& file_;
  std::vector<Frame> frames_;
  int documents_ = 0;
};

}  // namespace

YAML::Node YamlReader::load(const std::string& text) const {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DuplicateKeys check(file_);
  while (parser.HandleNextDocument(check)) {
  }
  return YAML::Load(text);
}

std::string YamlReader::place(const YAML::Node& node) const {
  const auto mark = node.Mark();
  std::string where = file_;
  if (!mark.is_null())
    where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  return where;
}

void YamlReader::fail(const YAML::Node& node, const std::string& path,
                      const std::string& what) const {
  throw ConfigFault(place(node) + ": " + path + ": " + what);
}

void YamlReader::keys(const YAML::Node& node, const std::string& path,
                      std::initializer_list<const char*> allowed) const {
  keys(node, path, std::vector<std::string>(allowed.begin(), allowed.end()));
}

void YamlReader::keys(const YAML::Node& node, const std::string& path,
                      const std::vector<std::string>& allowed) const {
  if (!node.IsMap()) fail(node, path, "expected a mapping");
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    bool known = false;
    for (const auto& a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(entry.first, path,
           "unknown key \"" + utf8::printable(key, 128) + "\" (expected one of: " + list + ")");
    }
  }
}

std::string YamlReader::string(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) fail(node, path, "expected a string");
  const std::string raw = node.Scalar();
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '$' && i + 1 < raw.size() && raw[i + 1] == '{') {
      const auto close = raw.find('}', i + 2);
      if (close == std::string::npos) fail(node, path, "unterminated ${ in a string");
      const std::string name = raw.substr(i + 2, close - i - 2);
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) fail(node, path, "environment variable " + name + " is not set");
      out += value;
      i = close;
    } else {
      out.push_back(raw[i]);
    }
  }
  return out;
}

double YamlReader::number(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) fail(node, path, "expected a number");
  const auto value = parse_double(node.Scalar());
  if (!value || !std::isfinite(*value))
    fail(node, path, "expected a finite number, got \"" + node.Scalar() + "\"");
  return *value;
}

double YamlReader::share(const YAML::Node& node, const std::string& path, double most) const {
  std::string text = string(node, path);
  double scale = 1;
  if (!text.empty() && text.back() == '%') {
    text.pop_back();
    scale = 0.01;
  }
  const auto value = parse_double(text);
  if (!value || !std::isfinite(*value) || *value * scale < 0 || *value * scale > most) {
    fail(node, path,
         "expected a share from 0 to " + std::to_string(static_cast<int>(most * 100)) +
             "%, like 5% or 0.05");
  }
  return *value * scale;
}

std::int64_t YamlReader::integer(const YAML::Node& node, const std::string& path, std::int64_t min,
                                 std::int64_t max) const {
  if (!node.IsScalar()) fail(node, path, "expected an integer");
  const auto parsed = parse_integer(node.Scalar());
  if (!parsed) fail(node, path, "expected an integer, got \"" + node.Scalar() + "\"");
  const std::int64_t value = *parsed;
  if (value < min || value > max) {
    fail(node, path,
         std::to_string(value) + " is outside [" + std::to_string(min) + ", " +
             std::to_string(max) + "]");
  }
  return value;
}

bool YamlReader::boolean(const YAML::Node& node, const std::string& path) const {
  if (node.IsScalar()) {
    if (node.Scalar() == "true") return true;
    if (node.Scalar() == "false") return false;
  }
  fail(node, path, "expected true or false");
}

Nanos YamlReader::duration(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) fail(node, path, "expected a duration like 30s, 5m or 24h");
  auto parsed = parse_duration(node.Scalar());
  if (!parsed) fail(node, path, "\"" + node.Scalar() + "\" is not a duration like 30s, 5m or 24h");
  return *parsed;
}

std::vector<std::string> YamlReader::strings(const YAML::Node& node,
                                             const std::string& path) const {
  if (!node.IsSequence()) fail(node, path, "expected a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(string(node[i], path + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace setpoint::runner

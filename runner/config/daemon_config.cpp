#include "config/daemon_config.hpp"

#include "config/effects_config.hpp"
#include "setpoint/base/number_text.hpp"

namespace setpoint::runner {

void read_sources(const YamlReader& r, const YAML::Node& node, TelemetryConfig& t) {
  if (!node.IsSequence())
    r.fail(node, "telemetry.sources", "expected a list of {file, checkpoint, start}");
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = "telemetry.sources[" + std::to_string(i) + "]";
    r.keys(node[i], path, {"file", "checkpoint", "start"});
    if (!node[i]["file"]) r.fail(node[i], path, "needs a file (a JSON-lines file to follow)");
    FileSourceConfig source;
    source.path = r.string(node[i]["file"], path + ".file");
    if (node[i]["checkpoint"])
      source.checkpoint = r.string(node[i]["checkpoint"], path + ".checkpoint");
    if (node[i]["start"]) {
      const std::string start = r.string(node[i]["start"], path + ".start");
      if (start != "beginning" && start != "end")
        r.fail(node[i]["start"], path + ".start", "expected beginning or end");
      source.start_at_end = start == "end";
    }
    for (const auto& other : t.files) {
      if (other.path == source.path)
        r.fail(node[i]["file"], path + ".file", "\"" + source.path + "\" is already a source");
    }
    t.files.push_back(std::move(source));
  }
}

namespace {

// A shadow period: 1s to 30d, or off (0).
Nanos read_shadow(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    const std::string text = node.Scalar();
    if (text == "off" || text == "false" || text == "no") return 0;
  }
  const Nanos period = r.duration(node, path);
  if (period < kNanosPerSecond || period > 30 * 24 * 3600 * kNanosPerSecond)
    r.fail(node, path, "must be between 1s and 30d, or off");
  return period;
}

PolicyOverride read_override(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  r.keys(node, path, {"mode", "every", "schedule", "memory_mib", "cpu", "disabled", "shadow"});
  PolicyOverride o;
  if (node["mode"]) o.mode = read_mode(r, node["mode"], path + ".mode");
  if (node["every"]) {
    o.every = r.duration(node["every"], path + ".every");
    if (*o.every < kNanosPerSecond / 10)
      r.fail(node["every"], path + ".every", "must be at least 100ms");
  }
  if (node["schedule"]) o.schedule = r.string(node["schedule"], path + ".schedule");
  if (o.every && o.schedule) r.fail(node, path, "give every or schedule, not both");
  if (node["memory_mib"])
    o.memory =
        static_cast<std::size_t>(r.integer(node["memory_mib"], path + ".memory_mib", 1, 4096))
        << 20;
  if (node["cpu"]) {
    o.cpu = r.duration(node["cpu"], path + ".cpu");
    if (*o.cpu < kNanosPerMilli || *o.cpu > 10 * kNanosPerSecond)
      r.fail(node["cpu"], path + ".cpu", "must be between 1ms and 10s");
  }
  if (node["disabled"]) o.disabled = r.boolean(node["disabled"], path + ".disabled");
  if (node["shadow"]) o.shadow = read_shadow(r, node["shadow"], path + ".shadow");
  return o;
}

}  // namespace

void read_policies(const YamlReader& r, const YAML::Node& node, PoliciesConfig& p) {
  r.keys(node, "policies",
         {"dir", "memory_mib", "cpu", "failures_to_quarantine", "quarantine_backoff", "test_gate",
          "overrides", "only", "shadow", "shadow_max_divergences"});
  if (node["dir"]) p.dir = r.string(node["dir"], "policies.dir");
  if (node["memory_mib"])
    p.memory =
        static_cast<std::size_t>(r.integer(node["memory_mib"], "policies.memory_mib", 1, 4096))
        << 20;
  if (node["cpu"]) {
    p.cpu = r.duration(node["cpu"], "policies.cpu");
    if (p.cpu < kNanosPerMilli || p.cpu > 10 * kNanosPerSecond)
      r.fail(node["cpu"], "policies.cpu", "must be between 1ms and 10s");
  }
  if (node["failures_to_quarantine"]) {
    p.failures_to_quarantine = static_cast<int>(
        r.integer(node["failures_to_quarantine"], "policies.failures_to_quarantine", 1, 1000));
  }
  if (node["quarantine_backoff"])
    p.quarantine_backoff = r.duration(node["quarantine_backoff"], "policies.quarantine_backoff");
  if (node["test_gate"]) p.test_gate = r.boolean(node["test_gate"], "policies.test_gate");
  if (node["only"]) p.only = r.strings(node["only"], "policies.only");
  if (node["shadow"]) p.shadow = read_shadow(r, node["shadow"], "policies.shadow");
  if (node["shadow_max_divergences"])
    p.shadow_max_divergences = static_cast<std::uint64_t>(
        r.integer(node["shadow_max_divergences"], "policies.shadow_max_divergences", 0, 1'000'000));
  if (const auto overrides = node["overrides"]) {
    if (!overrides.IsMap())
      r.fail(overrides, "policies.overrides", "expected a mapping of policy names");
    for (const auto& entry : overrides) {
      const std::string name = entry.first.as<std::string>();
      p.overrides[name] = read_override(r, entry.second, "policies.overrides." + name);
    }
  }
}

void read_control_plane(const YamlReader& r, const YAML::Node& node, ControlPlaneConfig& c) {
  r.keys(node, "control_plane",
         {"enabled", "listen", "tokens_file", "max_body_bytes", "max_connections", "header_timeout",
          "request_timeout", "dashboard"});
  if (node["enabled"]) c.enabled = r.boolean(node["enabled"], "control_plane.enabled");
  if (node["dashboard"]) c.dashboard = r.boolean(node["dashboard"], "control_plane.dashboard");
  if (node["listen"]) {
    const std::string listen = r.string(node["listen"], "control_plane.listen");
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0)
      r.fail(node["listen"], "control_plane.listen", "expected host:port, like 127.0.0.1:9464");
    c.host = listen.substr(0, colon);
    const auto port = parse_integer(std::string_view(listen).substr(colon + 1));
    if (!port || *port < 0 || *port > 65535) {
      r.fail(node["listen"], "control_plane.listen",
             "\"" + listen.substr(colon + 1) + "\" is not a port (0 to 65535)");
    }
    c.port = static_cast<int>(*port);
  }
  if (node["tokens_file"])
    c.tokens_file = r.string(node["tokens_file"], "control_plane.tokens_file");
  if (node["max_body_bytes"]) {
    c.max_body_bytes = static_cast<std::size_t>(
        r.integer(node["max_body_bytes"], "control_plane.max_body_bytes", 1024, 1LL << 30));
  }
  if (node["max_connections"]) {
    c.max_connections = static_cast<unsigned>(
        r.integer(node["max_connections"], "control_plane.max_connections", 4, 10'000));
  }
  for (const auto& [key, value] : {std::pair{"header_timeout", &c.header_timeout},
                                   std::pair{"request_timeout", &c.request_timeout}}) {
    if (!node[key]) continue;
    *value = r.duration(node[key], std::string("control_plane.") + key);
    if (*value < kNanosPerSecond)
      r.fail(node[key], std::string("control_plane.") + key, "must be at least 1s");
  }
}

}  // namespace setpoint::runner

#include "setpoint/actuators/http_actuator.hpp"

#include <httplib.h>

#include <thread>

#include "setpoint/base/atomic_file.hpp"
#include "setpoint/base/json_text.hpp"
#include "setpoint/base/regular_file.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint {
namespace {

// The disk buffer: at most buffer_max requests of a few KiB each.
constexpr std::size_t kMaxBufferBytes = 256u << 20;

struct Url {
  std::string base;  // scheme://host:port
  std::string path;
};

std::optional<Url> split_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  const auto slash = url.find('/', scheme + 3);
  if (slash == std::string::npos) return Url{url, "/"};
  return Url{url.substr(0, slash), url.substr(slash)};
}

}  // namespace

HttpActuator::HttpActuator(HttpActuatorOptions options)
    : options_(std::move(options)),
      rng_(options_.seed != 0 ? options_.seed : std::random_device{}()) {
  if (!options_.sleep) {
    options_.sleep = [](Nanos d) { std::this_thread::sleep_for(std::chrono::nanoseconds(d)); };
  }
}

std::string HttpActuator::body_of(const Actuation& a) {
  std::string out = "{\"target\":";
  json_text::append_string(out, a.target);
  out += ",\"key\":";
  json_text::append_string(out, a.key);
  out += ",\"value\":";
  append_json(out, a.value);
  out += ",\"args\":{";
  for (std::size_t i = 0; i < a.args.size(); ++i) {
    if (i > 0) out.push_back(',');
    json_text::append_string(out, a.args[i].first);
    out.push_back(':');
    append_json(out, a.args[i].second);
  }
  out += "},\"who\":";
  json_text::append_string(out, a.who);
  out += ",\"why\":";
  json_text::append_string(out, a.why);
  out += ",\"at\":";
  json_text::append_string(out, format_rfc3339(a.at));
  out += "}";
  return out;
}

HttpActuator::Outcome HttpActuator::post_once(const std::string& url, const std::string& body,
                                              std::string& detail) {
  const auto parts = split_url(url);
  if (!parts) {
    detail = url + ": not an http URL";
    return Outcome::kPermanent;
  }
  httplib::Client client(parts->base);
  const auto seconds = static_cast<time_t>(options_.timeout / kNanosPerSecond);
  const auto micros = static_cast<time_t>(options_.timeout % kNanosPerSecond / 1000);
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  const auto response = client.Post(parts->path, body, "application/json");
  if (!response) {
    detail = url + ": " + httplib::to_string(response.error());
    return Outcome::kTransient;
  }
  detail = url + ": HTTP " + std::to_string(response->status);
  if (response->status >= 200 && response->status < 300) return Outcome::kDelivered;
  if (response->status == 429 || response->status >= 500) return Outcome::kTransient;
  return Outcome::kPermanent;
}

HttpActuator::Outcome HttpActuator::deliver(const std::string& body, std::string& detail) {
  for (const auto& url : options_.urls) {
    for (int attempt = 0; attempt < options_.attempts_per_url; ++attempt) {
      if (attempt > 0) {
        // Full jitter: a random wait up to the exponential ceiling, so many senders spread out.
        const Nanos ceiling =
            std::min(options_.backoff_max, options_.backoff_base << std::min(attempt - 1, 30));
        options_.sleep(std::uniform_int_distribution<Nanos>(0, ceiling)(rng_));
      }
      const Outcome outcome = post_once(url, body, detail);
      if (outcome == Outcome::kDelivered || outcome == Outcome::kPermanent) return outcome;
    }
  }
  return Outcome::kTransient;
}

Result<std::vector<std::string>> HttpActuator::read_buffer() const {
  if (options_.buffer_path.empty()) return std::vector<std::string>{};
  // Our own file, but on a disk others reach: read as a regular file of bounded size, never a
  // FIFO that would hold the engine. One it cannot read is an error, never an empty buffer:
  // writing a new request over it would lose every request waiting there.
  auto lines = read_lines(options_.buffer_path, kMaxBufferBytes);
  if (!lines) return Error{"cannot read the buffer: " + lines.error()};
  return lines;
}

bool HttpActuator::write_buffer(const std::vector<std::string>& lines) {
  std::string content;
  for (const auto& line : lines) content += line + "\n";
  return write_file_atomically(options_.buffer_path, content).ok();
}

std::size_t HttpActuator::buffered() const {
  const auto lines = read_buffer();
  return lines ? lines->size() : 0;
}

std::vector<std::string> HttpActuator::replay() {
  std::vector<std::string> delivered;
  auto read = read_buffer();
  if (!read) return delivered;
  std::vector<std::string>& lines = *read;
  std::size_t done = 0;
  for (; done < lines.size(); ++done) {
    std::string detail;
    const Outcome outcome = deliver(lines[done], detail);
    if (outcome == Outcome::kTransient) break;
    if (outcome == Outcome::kDelivered) delivered.push_back(lines[done]);
  }
  if (done > 0) {
    lines.erase(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(done));
    write_buffer(lines);
  }
  return delivered;
}

ActuationResult HttpActuator::apply(const Actuation& a) {
  const std::string body = body_of(a);
  // Older requests first: a newer change must never overtake one still waiting, nor one in a
  // buffer that cannot be read.
  if (const auto waiting = read_buffer(); !waiting) {
    return {ActuationResult::Status::kFailed, waiting.error()};
  } else if (!waiting->empty()) {
    replay();
  }
  std::string detail;
  if (buffered() == 0) {
    const Outcome outcome = deliver(body, detail);
    if (outcome == Outcome::kDelivered) return {ActuationResult::Status::kApplied, detail};
    if (outcome == Outcome::kPermanent || options_.buffer_path.empty())
      return {ActuationResult::Status::kFailed, detail};
  } else {
    detail = "endpoints still failing";
  }
  auto read = read_buffer();
  if (!read) return {ActuationResult::Status::kFailed, detail + "; " + read.error()};
  std::vector<std::string>& lines = *read;
  if (lines.size() >= options_.buffer_max) {
    return {ActuationResult::Status::kFailed,
            detail + "; the buffer is full (" + std::to_string(lines.size()) + "), dropped"};
  }
  lines.push_back(body);
  if (!write_buffer(lines))
    return {ActuationResult::Status::kFailed,
            detail + "; cannot write the buffer " + options_.buffer_path};
  return {ActuationResult::Status::kFailed,
          detail + "; buffered for delivery when an endpoint recovers (" +
              std::to_string(lines.size()) + " waiting)"};
}

}  // namespace setpoint

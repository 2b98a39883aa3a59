#include "commands/client_command.hpp"

#include <httplib.h>
#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "commands/client_text.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// Why a request got no answer, in words: httplib's own for a refused connection was cut short.
std::string no_answer(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect (is `setpoint run` up and listening there? see control_plane.listen)";
    case httplib::Error::ConnectionTimeout: return "no connection within 5 s";
    case httplib::Error::Read: return "the connection closed before an answer";
    case httplib::Error::Write: return "the request could not be sent";
    default: return httplib::to_string(error);
  }
}

}  // namespace

namespace {

// What answers at --url is outside input: its answer is bounded in size and in time. The body
// through a receiver that stops at kMaxAnswerBytes; headers (which httplib gathers before any
// callback) and a server trickling bytes through a watch that ends the process: a CLI waiting
// on a bad server has nothing better to do than say so and exit.
constexpr std::size_t kMaxAnswerBytes = 64u << 20;
constexpr std::size_t kMaxResidentBytes = 512u << 20;
constexpr int kReadTimeout = 15;  // seconds without a byte

std::size_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long pages = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

// Ends the process (exit 1, with the reason) if the request is not done by the deadline or
// the process grows past kMaxResidentBytes while it waits.
class AnswerWatch {
 public:
  AnswerWatch(std::string command, std::string url, Nanos deadline) {
    thread_ = std::thread([this, command = std::move(command), url = std::move(url), deadline] {
      const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(deadline);
      std::unique_lock lock(mutex_);
      while (!done_) {
        const char* why = nullptr;
        const std::string late = "no complete answer within " + format_duration(deadline);
        if (std::chrono::steady_clock::now() >= until)
          why = late.c_str();
        else if (resident_bytes() > kMaxResidentBytes)
          why = "the answer is larger than any the engine sends";
        if (why != nullptr) {
          std::fprintf(stderr, "setpoint %s: %s from %s\n", command.c_str(), why,
                       utf8::printable(url, 200).c_str());
          std::fflush(stderr);
          std::_Exit(1);
        }
        changed_.wait_for(lock, std::chrono::milliseconds(50));
      }
    });
  }
  ~AnswerWatch() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  AnswerWatch(const AnswerWatch&) = delete;
  AnswerWatch& operator=(const AnswerWatch&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool done_ = false;
  std::thread thread_;
};

// Runs `work` on a thread with a 2 GiB stack (reserved, touched only as used), and waits.
void run_on_deep_stack(const std::function<void()>& work) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, std::size_t{2} << 30);
  pthread_t thread;
  auto call = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, call, const_cast<std::function<void()>*>(&work)) != 0) {
    work();  // no thread to be had: on this one
  } else {
    pthread_join(thread, nullptr);
  }
  pthread_attr_destroy(&attr);
}

// One request and its answer (status, body); none, with the reason on stderr, when there is
// no answer or it is too large.
std::optional<std::pair<int, std::string>> exchange(
    httplib::Client& client, const std::string& method, const std::string& path,
    const std::string& body_sent, const std::string& said, const std::string& url, Nanos deadline) {
  httplib::Request request;
  if (const char* token = std::getenv("SETPOINT_TOKEN"); token != nullptr && *token != '\0') {
    request.headers.emplace("Authorization", std::string("Bearer ") + token);
  }
  request.method = method;
  request.path = path;
  if (method == "POST") {
    request.body = body_sent.empty() ? "{}" : body_sent;
    request.headers.emplace("Content-Type", "application/json");
  }
  std::string body;
  bool too_large = false;
  request.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    if (n > kMaxAnswerBytes - body.size()) return !(too_large = true);
    body.append(data, n);
    return true;
  };
  const auto started = std::chrono::steady_clock::now();
  std::optional<httplib::Result> sent;
  {
    AnswerWatch watch(said, url, deadline);
    // On a thread with a deep stack: httplib 0.11 matches the status line with a regex,
    // which recurses per character, and a 100 KB status line overflowed the main thread's
    // 8 MiB. Touched stack counts in the watch's 512 MiB, which ends the process first.
    run_on_deep_stack([&] { sent.emplace(client.send(request)); });
  }
  httplib::Result& result = *sent;
  if (too_large) {
    std::cerr << "setpoint " << said << ": the answer from " << url << " is larger than "
              << (kMaxAnswerBytes >> 20) << " MiB\n";
    return std::nullopt;
  }
  if (!result) {
    const bool slow =
        result.error() == httplib::Error::Read &&
        std::chrono::steady_clock::now() - started >= std::chrono::seconds(kReadTimeout);
    std::cerr << "setpoint " << said << ": no answer from " << url << ": "
              << (slow ? "nothing arrived for " + std::to_string(kReadTimeout) + " s"
                       : no_answer(result.error()))
              << "\n";
    return std::nullopt;
  }
  return std::make_pair(result->status, std::move(body));
}

// The command as the user typed it: "rollout-promote" is how the answer is told apart, not
// what they wrote.
std::string typed(const std::string& c) {
  if (c == "autopilot-resume") return "autopilot --resume";
  if (c == "triage-run") return "triage --since";
  if (c == "decision-mark") return "decisions mark";
  if (c.rfind("rollout-", 0) == 0) return "rollout " + c.substr(8);
  if (c.rfind("policy-", 0) == 0) return "policies " + c.substr(7);
  return c;
}

}  // namespace

int run_client(const ClientArgs& args) {
  const char* env_url = std::getenv("SETPOINT_URL");
  const std::string url = !args.url.empty()
                              ? args.url
                              : (env_url != nullptr && *env_url != '\0' ? env_url : kDefaultUrl);
  const std::string& c = args.command;
  const std::string said = typed(c);
  const auto deadline = parse_duration(args.timeout);
  if (!deadline || *deadline <= 0) {
    std::cerr << "setpoint " << said << ": --timeout \"" << utf8::printable(args.timeout, 100)
              << "\" is not a positive duration like 30s\n";
    return 2;
  }
  std::unique_ptr<httplib::Client> made;
  try {
    made = std::make_unique<httplib::Client>(url);
  } catch (const std::exception&) {  // a scheme it does not speak (ftp://): invalid_argument
  }
  if (!made || !made->is_valid()) {
    std::cerr << "setpoint " << said << ": \"" << utf8::printable(url, 200)
              << "\" is not a URL like " << kDefaultUrl << "\n";
    return 2;
  }
  httplib::Client& client = *made;
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(kReadTimeout, 0);
  const bool read = c == "state" || c == "policies" || c == "params" || c == "decisions" ||
                    c == "proposals" || c == "pauses" || c == "cycles" || c == "autopilot" ||
                    c == "history" || c == "rollouts" || c == "triage" || c == "review";
  std::string path = "/v1/" + c;
  if (c == "approve" || c == "reject")
    path = "/v1/proposals/" + httplib::detail::encode_query_param(args.positional.at(0)) + "/" + c;
  else if (c == "rollback" || c == "release" || c == "unfreeze" || c == "history")
    path = "/v1/params/" + httplib::detail::encode_query_param(args.positional.at(0)) + "/" + c;
  else if (c == "cycles")
    path = "/v1/autopilot/cycles";
  else if (c == "autopilot-resume")
    path = "/v1/autopilot/resume";
  else if (c == "triage-run")
    path = "/v1/triage/run";
  else if (c == "decision-mark")
    path = "/v1/decisions/" + httplib::detail::encode_query_param(args.positional.at(0)) + "/mark";
  else if (c == "policy-promote" || c == "policy-discard")
    path = "/v1/policies/" + httplib::detail::encode_query_param(args.positional.at(0)) + "/" +
           c.substr(7);
  else if (c == "rollout-abort" || c == "rollout-promote")
    path = "/v1/rollouts/" + httplib::detail::encode_query_param(args.positional.at(0)) + "/" +
           c.substr(8);
  if (read && !args.query.empty()) {
    path += "?" + httplib::detail::params_to_query_str(
                      httplib::Params(args.query.begin(), args.query.end()));
  }
  auto answer = exchange(client, read ? "GET" : "POST", path, args.body, said, url, *deadline);
  if (!answer) return 1;
  std::string shown_as = c;
  // A triage run answers with the reports it wrote: the first is then read and printed.
  if (c == "triage-run" && answer->first / 100 == 2) {
    const auto doc = parse_json(answer->second, 16);
    const json* reports =
        doc && doc->is_object() && doc->contains("reports") ? &(*doc)["reports"] : nullptr;
    if (reports != nullptr && reports->is_array() && !reports->empty() &&
        reports->front().is_string()) {
      answer = exchange(
          client, "GET",
          "/v1/triage/" + httplib::detail::encode_query_param(reports->front().get<std::string>()),
          "", said, url, *deadline);
      if (!answer) return 1;
      shown_as = "triage";
    }
  }
  if (answer->first / 100 != 2) {
    const std::string why = refusal_text(answer->second);
    if (args.json) std::cout << answer->second << "\n";
    std::cerr << "setpoint " << said << ": HTTP " << answer->first << ": " << why << "\n";
    return 1;
  }
  if (args.json)
    std::cout << answer->second << "\n";
  else
    std::cout << client_text((shown_as == "triage" || shown_as == "review") && args.markdown
                                 ? shown_as + "-markdown"
                                 : shown_as,
                             answer->second);
  return change_failed(c, answer->second) ? 1 : 0;
}

}  // namespace setpoint::runner

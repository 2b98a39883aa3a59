// The decisions as they happen, as server-sent events (GET /v1/decisions/stream?after=SEQ), for
// the dashboard's live timeline: one long answer per open page instead of a poll a second.
// Each event is `id: <seq>` and `data: <the decision's record>`; a record comes again with its
// result. A stream ends by itself after RouteContext::stream_for (before the server's request
// deadline would cut it) with `event: end`; the page asks again from the last id it saw. A
// reader that fell behind the feed's ring, or asks from an id this daemon never gave (it was
// restarted), gets `event: missed` and reads /v1/decisions. A slow reader makes the daemon hold
// one batch of the feed (DecisionFeed::kBatchBytes), never the whole ring.
#include <chrono>

#include "control_plane/routes.hpp"
#include "engine/engine.hpp"
#include "setpoint/base/number_text.hpp"

namespace setpoint::runner {
namespace {

using Steady = std::chrono::steady_clock;

class DecisionEvents final : public ResponseStream {
 public:
  DecisionEvents(DecisionFeed& feed, std::atomic<int>& open, std::uint64_t after, Nanos lasting)
      : feed_(feed),
        open_(open),
        seq_(after),
        until_(Steady::now() + std::chrono::nanoseconds(lasting)) {}
  ~DecisionEvents() override { --open_; }

  std::optional<std::string> next() override {
    if (ended_) return std::nullopt;
    if (!started_) {
      started_ = true;
      // An id this daemon never gave (it was restarted since the page saw it): from now, and
      // the page reads what it missed from /v1/decisions.
      std::string missed;
      if (const auto newest = feed_.last(); seq_ > newest) {
        seq_ = newest;
        missed = "event: missed\ndata: {}\n\n";
      }
      // The id it starts from: a page that asks again from it misses nothing in between.
      return ": decisions as they happen\nid: " + std::to_string(seq_) + "\nretry: 1000\n\n" +
             missed;
    }
    const auto now = Steady::now();
    if (now >= until_) {
      ended_ = true;
      return "event: end\ndata: {}\n\n";
    }
    const auto batch = feed_.after(seq_, std::chrono::milliseconds(1000));
    if (batch.closed) {
      ended_ = true;
      return "event: end\ndata: {}\n\n";
    }
    std::string out;
    if (batch.missed) out += "event: missed\ndata: {}\n\n";
    for (const auto& e : batch.entries) {
      out += "id: " + std::to_string(e.seq) + "\ndata: " + *e.record + "\n\n";
      seq_ = e.seq;
    }
    if (batch.missed && batch.entries.empty()) seq_ = batch.last;  // nothing to send: from now
    // A comment now and then: proxies and browsers keep a quiet stream open.
    if (out.empty() && now - last_sent_ >= std::chrono::seconds(10)) out = ": still here\n\n";
    if (!out.empty()) last_sent_ = now;
    return out;
  }

 private:
  DecisionFeed& feed_;
  std::atomic<int>& open_;  // counted up by stream(), down here
  std::uint64_t seq_;
  Steady::time_point until_;
  Steady::time_point last_sent_ = Steady::now();
  bool started_ = false, ended_ = false;
};

HttpResponse stream(RouteContext& c, const HttpRequest& req) {
  std::uint64_t after = c.engine.feed().last();  // by default: what happens from now on
  if (const auto text = req.query("after")) {
    const auto n = text->size() > 20 ? std::nullopt : parse_integer(*text);
    if (!n || *n < 0) return json_error(400, "after must be the id of an event (a whole number)");
    after = static_cast<std::uint64_t>(*n);
  }
  if (++c.streams > c.max_streams) {
    --c.streams;
    HttpResponse busy = json_error(503, std::to_string(c.max_streams) +
                                            " decision streams are open (an eighth of "
                                            "control_plane.max_connections); try again shortly");
    busy.headers.emplace_back("Retry-After", "5");
    return busy;
  }
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.stream = std::make_shared<DecisionEvents>(c.engine.feed(), c.streams, after, c.stream_for);
  return r;
}

}  // namespace

std::vector<HttpRoute> decision_stream_routes(RouteContext& c) {
  return {read_route(c, "/v1/decisions/stream", [&c](HttpRequest& req) { return stream(c, req); })};
}

}  // namespace setpoint::runner

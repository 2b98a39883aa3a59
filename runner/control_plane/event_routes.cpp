// Telemetry over HTTP: POST /v1/events, an NDJSON body taken line by line as it arrives. Any
// content type is NDJSON (curl's default form type included); the token is checked before a
// byte of the body is read.
#include "control_plane/routes.hpp"
#include "engine/telemetry_intake.hpp"
#include "setpoint/base/json_document.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// A body waits this long for an ingest worker before a 503.
constexpr Nanos kWorkerWait = 5 * kNanosPerSecond;

class EventsBody final : public BodyStream {
 public:
  explicit EventsBody(std::unique_ptr<TelemetryIntake::Body> body) : body_(std::move(body)) {}
  void take(std::string_view bytes) override { body_->take(bytes); }
  HttpResponse finish(bool cut) override {
    const IngestCounts counts = body_->finish();
    json rejected = json::object();
    for (std::size_t i = 0; i < kRejectionCount; ++i) {
      if (counts.rejected[i] > 0)
        rejected[std::string(name(static_cast<Rejection>(i)))] = counts.rejected[i];
    }
    const json answer{{"accepted", counts.accepted},
                      {"rejected", rejected},
                      {"rejected_total", counts.rejected_total()}};
    if (!cut) return ok(dump(answer));
    // What came before the limit is in; the client learns where it stopped.
    json error = answer;
    error["error"] =
        "the body is larger than control_plane.max_body_bytes; the lines counted here were taken, "
        "the rest was not";
    HttpResponse r = ok(dump(error));
    r.status = 413;
    return r;
  }

 private:
  std::unique_ptr<TelemetryIntake::Body> body_;
};

}  // namespace

std::vector<HttpRoute> event_routes(RouteContext& c) {
  std::vector<HttpRoute> r;
  r.push_back({"POST",
               "/v1/events",
               [&c](HttpRequest& req) {
                 return c.access.refused(req.header("Authorization"), Role::kIngest);
               },
               {},
               [&c](HttpRequest&) -> std::unique_ptr<BodyStream> {
                 auto body = c.intake.open_body("http", kWorkerWait);
                 if (!body) return nullptr;
                 return std::make_unique<EventsBody>(std::move(body));
               }});
  return r;
}

}  // namespace setpoint::runner

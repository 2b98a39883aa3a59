// Bounds patches before a person sees them, and the range an approved one sets: every policy's
// proposals are held to it, not only an autopilot cycle's.
#include <catch2/catch.hpp>
#include <cmath>

#include "setpoint/guard/guard.hpp"

using namespace setpoint;

namespace {

ParameterSpec limit() {
  ParameterSpec p;
  p.name = "checkout.limit";
  p.type = ParamType::kInt;
  p.initial = 100;
  p.min = 10;
  p.max = 500;
  p.policies = {"aimd"};
  return p;
}

ParameterSpec mode() {
  ParameterSpec p;
  p.name = "checkout.mode";
  p.type = ParamType::kEnum;
  p.choices = {"normal", "degraded"};
  p.policies = {"aimd"};
  return p;
}

Verdict patch(Guard& g, const std::string& target, double min, double max) {
  return g.vet(Proposal::bounds("weekly_triage", target, min, max), 0);
}

}  // namespace

TEST_CASE("bounds patch: allowed only as a finite range inside the hard bounds") {
  Guard g({limit(), mode()}, {}, {});
  // Not granted to weekly_triage, and still vetted: a patch changes nothing until approved.
  const Verdict ok = patch(g, "checkout.limit", 80, 150);
  CHECK(ok.kind == VerdictKind::kAllow);
  CHECK(ok.current == 100);
  Proposal p = Proposal::bounds("weekly_triage", "checkout.limit", 80, 150);
  CHECK(explain_patch(ok, p) ==
        "allow: ok: checkout.limit's operating bounds would become [80, 150] (now at 100)");

  const auto reason = [&](const std::string& target, double min, double max) {
    const Verdict v = patch(g, target, min, max);
    CHECK(v.kind == VerdictKind::kBlock);
    return std::pair{v.reason, explain_patch(v, Proposal::bounds("t", target, min, max))};
  };
  CHECK(reason("nope", 1, 2) ==
        std::pair{Reason::kUnknownTarget, std::string("block: unknown_target: nope is not declared "
                                                      "in config")});
  CHECK(reason("checkout.mode", 0, 1).first == Reason::kWrongType);
  CHECK(reason("checkout.limit", NAN, 100).first == Reason::kNotFinite);
  CHECK(reason("checkout.limit", 10, INFINITY).first == Reason::kNotFinite);
  CHECK(reason("checkout.limit", 150, 80) ==
        std::pair{Reason::kBadArgument,
                  std::string("block: bad_argument: the bounds [150, 80] are not a range (min "
                              "must be below max)")});
  CHECK(reason("checkout.limit", 100, 100).first == Reason::kBadArgument);
  CHECK(reason("checkout.limit", 5, 100) ==
        std::pair{Reason::kBounds, std::string("block: bounds: the bounds [5, 100] cross "
                                               "checkout.limit's hard bound 10")});
  CHECK(reason("checkout.limit", 20, 501).second ==
        "block: bounds: the bounds [20, 501] cross checkout.limit's hard bound 500");
}

TEST_CASE("bounds patch: vetting one moves nothing and counts for nothing") {
  ParameterSpec spec = limit();
  spec.sustained_m = 2;
  spec.sustained_n = 2;
  Guard g({spec}, {}, {});
  const std::string before = g.save_state();
  for (int i = 0; i < 5; ++i) (void)patch(g, "checkout.limit", 80, 150);
  CHECK(g.save_state() == before);
}

TEST_CASE("a patched range holds every policy's proposals; a cycle's range only cycles'") {
  Guard g({limit()}, {}, {});
  g.set_operating_range("checkout.limit", OperatingRange{80, 150, false, false});
  CHECK(g.vet(Proposal::set("aimd", "checkout.limit", 300.0), 0).value == 300);  // no cycle

  g.set_operating_range("checkout.limit", OperatingRange{80, 150, false, true});
  const Verdict up = g.vet(Proposal::set("aimd", "checkout.limit", 300.0), 0);
  CHECK(up.kind == VerdictKind::kClamp);
  CHECK(up.reason == Reason::kPatchedBounds);
  CHECK(up.value == 150);
  CHECK(up.saturated == 1);
  CHECK(explain(up, "checkout.limit") ==
        "clamp: patched_bounds: checkout.limit 100 -> 300 held at the operating bound 150 (an "
        "approved bounds patch: setpoint params shows it)");
  const Verdict down = g.vet(Proposal::set("aimd", "checkout.limit", 20.0), 0);
  CHECK(down.value == 80);
  CHECK(down.saturated == -1);
  CHECK(g.vet(Proposal::set("aimd", "checkout.limit", 120.0), 0).kind == VerdictKind::kAllow);
}

TEST_CASE(
    "bounds patch: an int's range is taken inward to whole units; its own range is no change") {
  Guard g({limit()}, {}, {});
  const Verdict inward = patch(g, "checkout.limit", 20.2, 150.8);
  CHECK(inward.kind == VerdictKind::kAllow);
  CHECK(inward.proposed == 21);
  CHECK(inward.value == 150);
  CHECK(explain_patch(inward, Proposal::bounds("t", "checkout.limit", 20.2, 150.8)) ==
        "allow: ok: checkout.limit's operating bounds would become [21, 150] ([20.2, 150.8] taken "
        "inward to whole units) (now at 100)");
  // No two whole values inside: not a range an int can have.
  const Verdict narrow = patch(g, "checkout.limit", 20.2, 20.8);
  CHECK(narrow.reason == Reason::kBadArgument);
  CHECK(patch(g, "checkout.limit", 20.2, 21.5).reason == Reason::kBadArgument);  // [21, 21]
  // The range it has: the hard bounds without a patch, the operating range with one.
  CHECK(patch(g, "checkout.limit", 10, 500).reason == Reason::kNoChange);
  g.set_operating_range("checkout.limit", OperatingRange{80, 150, false, true});
  const Verdict same = patch(g, "checkout.limit", 80, 150);
  CHECK(same.reason == Reason::kNoChange);
  CHECK(explain_patch(same, Proposal::bounds("t", "checkout.limit", 80, 150)) ==
        "block: no_change: checkout.limit's operating bounds are [80, 150] already");
  CHECK(patch(g, "checkout.limit", 10, 500).kind == VerdictKind::kAllow);  // back to all of it
}

TEST_CASE(
    "an operating range narrower than one unit holds an int at a whole value, never a fraction") {
  Guard g({limit()}, {}, {});
  g.set_operating_range("checkout.limit", OperatingRange{20.2, 20.8, false, true});
  const Verdict v = g.vet(Proposal::set("aimd", "checkout.limit", 90.0), 0);
  CHECK(v.value == 21);
  CHECK(v.value == std::round(v.value));
}

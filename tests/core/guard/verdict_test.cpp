#include "setpoint/guard/verdict.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace setpoint;

TEST_CASE("verdicts: every reason and kind has its own name") {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < static_cast<std::size_t>(Reason::kCount); ++i) {
    names.insert(name(static_cast<Reason>(i)));
  }
  CHECK(names.size() == static_cast<std::size_t>(Reason::kCount));
  CHECK(name(Reason::kCooldown) == "cooldown");
  CHECK(name(VerdictKind::kAllow) == "allow");
  CHECK(name(VerdictKind::kClamp) == "clamp");
  CHECK(name(VerdictKind::kBlock) == "block");
}

TEST_CASE("verdicts: a clamp remembers every rule that bound, and blocks are not allowed") {
  Verdict v;
  v.kind = VerdictKind::kClamp;
  v.clamps =
      (1u << static_cast<unsigned>(Reason::kStep)) | (1u << static_cast<unsigned>(Reason::kBounds));
  CHECK(v.allowed());
  CHECK(v.clamped_by(Reason::kStep));
  CHECK(v.clamped_by(Reason::kBounds));
  CHECK_FALSE(v.clamped_by(Reason::kRate));
  v.kind = VerdictKind::kBlock;
  CHECK_FALSE(v.allowed());
}

TEST_CASE("verdicts: every reason explains itself in a sentence naming the target") {
  for (std::size_t i = 0; i < static_cast<std::size_t>(Reason::kCount); ++i) {
    Verdict v;
    v.reason = static_cast<Reason>(i);
    v.kind = v.reason == Reason::kOk ? VerdictKind::kAllow : VerdictKind::kBlock;
    const std::string text = explain(v, "checkout.limit");
    INFO(text);
    CHECK(text.rfind(std::string(name(v.kind)), 0) == 0);
    CHECK(text.size() > 10);
  }
}

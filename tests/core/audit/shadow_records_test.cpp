// Shadow versions' divergences as the store keeps them (shadow_records.cpp).
#include <catch2/catch.hpp>

#include "setpoint/audit/audit_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

TEST_CASE("divergences are kept per policy and shadow version, newest first") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  const auto row = [](Nanos at, const std::string& policy, const std::string& version) {
    return ShadowDivergenceRow{0,         at,        policy,  "live1", version, "checkout.limit",
                               "nothing", "set 120", at == 3, at == 2};
  };
  CHECK(must(store->record_divergence(row(1, "aimd", "v2"))) == 1);
  CHECK(must(store->record_divergence(row(2, "aimd", "v2"))) == 2);
  CHECK(must(store->record_divergence(row(3, "aimd", "v3"))) == 3);
  CHECK(must(store->record_divergence(row(4, "shed", "v2"))) == 4);

  const auto all = must(store->divergences("aimd", "", 10));
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == 3);
  CHECK(all[0].at_bound);
  CHECK_FALSE(all[0].follows);
  CHECK(all[2].id == 1);
  const auto v2 = must(store->divergences("aimd", "v2", 10));
  REQUIRE(v2.size() == 2);
  CHECK(v2[0].at == 2);
  CHECK(v2[0].follows);
  CHECK(v2[0].live == "nothing");
  CHECK(v2[0].shadow == "set 120");
  CHECK(v2[0].live_version == "live1");
  CHECK(must(store->divergences("aimd", "v2", 1)).size() == 1);
  CHECK(must(store->divergences("nobody", "", 10)).empty());
}

TEST_CASE("a state document can be erased") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  REQUIRE(store->save_state("shadow:a.lua", "{}", 1));
  REQUIRE(store->erase_state("shadow:a.lua"));
  CHECK_FALSE(must(store->load_state("shadow:a.lua")));
  CHECK(store->erase_state("never.saved"));  // nothing to erase is no error
}

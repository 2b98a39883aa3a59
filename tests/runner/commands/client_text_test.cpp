// What the CLI prints of the control plane's answers.
#include "commands/client_text.hpp"

#include <catch2/catch.hpp>

using namespace setpoint::runner;

namespace {

std::string answer(const std::string& outcome) {
  return R"({"proposal":7,"decision":{"id":9,"at":"2026-11-24T12:00:05Z","policy":"p","kind":"set","target":"web.limit",)"
         R"("current":50,"value":55,"verdict":"allow","mode":"enforce","outcome":")" +
         outcome + R"(","detail":"cannot open out/web.json: No such file or directory"}})";
}

}  // namespace

TEST_CASE("client: an approve answered 200 whose change failed exits non-zero and says why") {
  CHECK_FALSE(change_failed("approve", answer("applied")));
  CHECK(change_failed("approve", answer("failed")));
  CHECK(change_failed("approve", answer("unknown")));
  CHECK(change_failed("override", answer("drift")));
  CHECK(change_failed("rollback", answer("blocked")));
  CHECK_FALSE(change_failed("reject", answer("failed")));  // not a change
  CHECK_FALSE(change_failed("approve", "not json"));
  CHECK_FALSE(change_failed("approve", R"({"proposal":7})"));
  CHECK(client_text("approve", answer("applied")).rfind("proposal 7 approved\n", 0) == 0);
  // The line on stdout does not contradict stderr when the change did not happen.
  CHECK(client_text("approve", answer("failed"))
            .rfind("proposal 7 approved, but its change did not happen\n", 0) == 0);
  CHECK(client_text("override", answer("failed"))
            .rfind("- not pinned: the change to - did not happen\n", 0) == 0);
}

// Whatever answers at --url is outside input: every command's text survives every shape of
// JSON (a missing member once read through operator[] on a const document: undefined).
TEST_CASE("client: answers of any shape are shown, never crash") {
  const char* answers[] = {"[1,2]",
                           "{\"x\":1}",
                           "\"text\"",
                           "null",
                           "5",
                           "[{}]",
                           "[[]]",
                           "{\"decision\":5}",
                           "[{\"value\":-1,\"choices\":[1]}]",
                           "[{\"value\":1e300,\"choices\":[]}]",
                           "[{\"value\":0.5,\"choices\":\"ab\"}]",
                           "[{\"name\":null,\"version\":7,\"reload\":3}]",
                           "{\"series\":[1]}",
                           "{\"until\":{},\"pinned_until\":[]}",
                           "[{\"record\":\"r\"}]",
                           "[{\"paused\":5,\"override\":\"x\"}]",
                           "{\"decision\":{\"outcome\":5}}"};
  for (const char* c : {"state", "policies", "params", "proposals", "pauses", "decisions",
                        "approve", "reject", "pause", "resume", "override", "rollback", "reload"}) {
    for (const char* a : answers) {
      INFO(c << " answered " << a);
      CHECK_FALSE(client_text(c, a).empty());
      CHECK_NOTHROW(change_failed(c, a));
    }
  }
}

TEST_CASE("client: a refusal gives its error member, else its body, printable") {
  CHECK(refusal_text(R"({"error":"the token is not known"})") == "the token is not known");
  CHECK(refusal_text("<html>502 Bad Gateway</html>") == "<html>502 Bad Gateway</html>");
  CHECK(refusal_text(R"({"message":"x"})") == R"({"message":"x"})");
  CHECK(refusal_text("bad \xff byte") == "bad \xef\xbf\xbd byte");
  // A long reason is given whole: its end says what to do instead (a rollback refused while
  // an override holds ended at "(setpoint release …)", cut at 200 characters).
  const std::string reason = std::string(300, 'x') + " (setpoint release checkout.limit)";
  CHECK(refusal_text(R"({"error":")" + reason + R"("})") == reason);
}

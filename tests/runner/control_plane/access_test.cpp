// The control plane's access check, from the Authorization header alone.
#include "control_plane/access.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

using namespace setpoint::runner;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;
using namespace std::string_literals;

namespace {

Access with_tokens() {
  TempDir dir;
  write_file(dir.file("tokens.yaml"),
             "tokens:\n"
             "  - { name: vera, role: viewer, token: viewer-token-0123456 }\n"
             "  - { name: otto, role: operator, token: operator-token-0123456 }\n"
             "  - { name: shipper, role: ingest, token: ingest-token-0123456 }\n");
  return Access(Tokens::load(dir.file("tokens.yaml")).value());
}

int status_of(const std::optional<HttpResponse>& r) { return r ? r->status : 0; }

}  // namespace

TEST_CASE("access: a token answers for its role and the roles below it") {
  const Access access = with_tokens();
  const auto token = access.authorize(std::string("Bearer operator-token-0123456"), Role::kViewer);
  REQUIRE(std::holds_alternative<Token>(token));
  CHECK(std::get<Token>(token).name == "otto");
  CHECK(status_of(access.refused(std::string("Bearer operator-token-0123456"), Role::kOperator)) ==
        0);
  const auto over = access.refused(std::string("Bearer operator-token-0123456"), Role::kAdmin);
  CHECK(status_of(over) == 403);
  CHECK(over->body == R"({"error":"the token \"otto\" has the role operator; this needs admin"})");
  // ingest may post events and nothing else, reads included
  CHECK(status_of(access.refused(std::string("Bearer ingest-token-0123456"), Role::kIngest)) == 0);
  CHECK(status_of(access.may_read(std::string("Bearer ingest-token-0123456"))) == 403);
  CHECK(status_of(access.may_read(std::string("Bearer viewer-token-0123456"))) == 0);
}

TEST_CASE("access: a missing, unknown or malformed token is a 401 that says which") {
  const Access access = with_tokens();
  const auto missing = access.refused(std::nullopt, Role::kViewer);
  CHECK(status_of(missing) == 401);
  CHECK(missing->body ==
        R"x({"error":"this needs a bearer token (Authorization: Bearer <token>)"})x");
  REQUIRE(missing->headers.size() == 1);
  CHECK(missing->headers[0].second == "Bearer");
  const auto unknown = access.refused(std::string("Bearer nope"), Role::kViewer);
  CHECK(unknown->body == R"({"error":"the token is not known"})");
  CHECK(unknown->headers[0].second == "Bearer error=\"invalid_token\"");
  // The scheme in any case, spaces around the token; nothing else inside it.
  CHECK(status_of(access.refused(std::string("bEaReR   viewer-token-0123456  "), Role::kViewer)) ==
        0);
  for (const std::string& bad :
       {"Bearer viewer-token-0123456\0x"s, std::string("Bearer viewer-token-0123456 x"),
        std::string("Bearer"), std::string("Bearer "), std::string("Basic dmlld2Vy"),
        std::string("Bearerviewer-token-0123456")}) {
    INFO(bad);
    const auto r = access.refused(bad, Role::kViewer);
    CHECK(status_of(r) == 401);
  }
  CHECK(access.refused(std::string("Basic x"), Role::kViewer)->body ==
        R"({"error":"the Authorization header is not \"Bearer <token>\""})");
}

TEST_CASE(
    "access: without a tokens file reads are open and every mutation is refused, saying why") {
  const Access access(Tokens::none());
  CHECK(status_of(access.may_read(std::nullopt)) == 0);
  const auto r = access.refused(std::string("Bearer anything"), Role::kOperator);
  CHECK(status_of(r) == 401);
  CHECK(
      r->body ==
      R"x({"error":"the token is not known; no tokens file is configured (control_plane.tokens_file), so none is known"})x");
}

#include "client_command.hpp"

#include <httplib.h>

#include <cstdlib>
#include <iostream>

namespace setpoint::runner {

int run_client(const ClientArgs& args) {
  httplib::Client client(args.url);
  if (!client.is_valid()) {
    std::cerr << "setpoint " << args.command << ": --url \"" << args.url << "\" is not a URL like http://127.0.0.1:9464\n";
    return 2;
  }
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(15, 0);
  httplib::Headers headers;
  if (const char* token = std::getenv("SETPOINT_TOKEN"); token != nullptr && *token != '\0') {
    headers.emplace("Authorization", std::string("Bearer ") + token);
  }
  const std::string& c = args.command;
  const bool read = c == "state" || c == "policies" || c == "params" || c == "decisions" || c == "proposals";
  std::string path = "/v1/" + c;
  if (c == "approve" || c == "reject") path = "/v1/proposals/" + args.positional.at(0) + "/" + c;
  else if (c == "rollback") path = "/v1/params/" + args.positional.at(0) + "/rollback";
  httplib::Result result = read ? client.Get(path, httplib::Params(args.query.begin(), args.query.end()), headers)
                                : client.Post(path, headers, args.body.empty() ? "{}" : args.body, "application/json");
  if (!result) {
    std::cerr << "setpoint " << c << ": no answer from " << args.url << ": " << httplib::to_string(result.error()) << "\n";
    return 1;
  }
  std::cout << result->body << "\n";
  if (result->status / 100 != 2) {
    std::cerr << "setpoint " << c << ": HTTP " << result->status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace setpoint::runner

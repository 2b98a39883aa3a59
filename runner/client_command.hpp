#pragma once
// The CLI clients of the control plane: `setpoint state | policies | params | decisions |
// proposals | approve ID | reject ID | pause | resume | override | rollback`, against --url
// (default: the local engine) with the token from $SETPOINT_TOKEN. Each prints the JSON the
// engine answered; exit 0 on 2xx, 1 on any other answer or no answer, 2 on a bad argument.
#include <map>
#include <string>
#include <vector>

namespace setpoint::runner {

struct ClientArgs {
  std::string url = "http://127.0.0.1:9464";
  std::string command;                       // state, policies, …
  std::vector<std::string> positional;       // approve/reject: the id; rollback: parameter, version
  std::map<std::string, std::string> query;  // reads: span, since, policy, verdict, limit
  std::string body;                          // mutations: the JSON body
};

int run_client(const ClientArgs& args);

}  // namespace setpoint::runner

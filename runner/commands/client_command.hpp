#pragma once
// The CLI clients of the control plane: `setpoint state | policies | params | decisions |
// proposals | pauses | approve ID | reject ID | pause | resume | override | rollback | reload |
// triage | review | decisions mark` and the others,
// against --url (else $SETPOINT_URL, else the local engine) with the token from
// $SETPOINT_TOKEN. Each prints a table a person reads at 3 a.m. (or, with --json, the JSON the
// engine answered, for machines); exit 0 on 2xx, 1 on any other answer or no answer — with the
// engine's reason — and 2 on a bad argument.
#include <map>
#include <string>
#include <vector>

namespace setpoint::runner {

// The URL when neither --url nor $SETPOINT_URL says otherwise.
constexpr const char* kDefaultUrl = "http://127.0.0.1:9464";

struct ClientArgs {
  std::string url;                           // empty: $SETPOINT_URL, else kDefaultUrl
  std::string command;                       // state, policies, …
  std::vector<std::string> positional;       // approve/reject: the id; rollback: the parameter
  std::map<std::string, std::string> query;  // reads: span, since, policy, target, verdict, limit
  std::string body;                          // mutations: the JSON body
  bool json = false;                         // print the engine's JSON as it is
  bool markdown = false;                     // triage, review: the report as Markdown
  std::string timeout = "30s";               // for the whole answer; then exit 1
};

int run_client(const ClientArgs& args);

}  // namespace setpoint::runner

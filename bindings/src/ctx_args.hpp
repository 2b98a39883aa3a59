#pragma once
// What every ctx function needs from the Lua stack: the evaluation in progress, and each
// argument checked and bounded before the host trusts it (ctx_args.cpp).
#include <string>
#include <string_view>

#include "evaluation.hpp"
#include "setpoint/guard/proposal.hpp"

struct lua_State;

namespace setpoint::bindings::ctx {

// The evaluation in progress, or a Lua error when there is none (a ctx kept in a global and
// used while the file loads, say).
Evaluation& evaluation(lua_State* L);
// A string argument, viewed where it lies on the Lua stack (valid while it stays there).
std::string_view text_view(lua_State* L, int index, const char* what);
// A string the policy says (a target, a reason, a log line): kept as one printable line, so
// nothing a policy writes can forge a log line, move a terminal's cursor or break a JSON writer.
std::string text_arg(lua_State* L, int index, const char* what);
// A policy's value shown in an error message: never its raw bytes.
std::string shown(lua_State* L, int index);
ProposedValue value_arg(lua_State* L, int index, const char* what);
// The field `key` of the table at `index`, pushed, read raw (no __index runs in the host).
void raw_field(lua_State* L, int index, const char* key);
// A finite number, or an error naming `what`.
double number_arg(lua_State* L, int index, const char* what);

// The proposal and output functions (ctx_proposals.cpp).
int ctx_set(lua_State* L);
int ctx_act(lua_State* L);
int ctx_alert(lua_State* L);
int ctx_log(lua_State* L);

// Bounds, bounds patches and a triage run's window and report (ctx_triage.cpp).
int ctx_bounds(lua_State* L);
int ctx_suggest_bounds(lua_State* L);
int ctx_period(lua_State* L);
int ctx_report(lua_State* L);

// The durable record's reads (ctx_records.cpp).
int ctx_decisions(lua_State* L);
int ctx_cycles(lua_State* L);
int ctx_rollouts(lua_State* L);
int ctx_drift_events(lua_State* L);
int ctx_incidents(lua_State* L);

}  // namespace setpoint::bindings::ctx

#pragma once
// What the control plane answered, as the CLI prints it for a person: a table per read
// (state, policies, params, proposals, pauses, decisions), a line or two per mutation. The
// answer is outside input (whatever listens at --url): any JSON shape prints, as it came when
// it is not the engine's.
#include <string>

namespace setpoint::runner {

// What the engine answered, as the table or line a person reads.
std::string client_text(const std::string& command, const std::string& answer);
// True (and why, on stderr) when an approve, override or rollback was answered 2xx but its
// decision did not make the change (failed, unknown, drift, blocked): the CLI then exits 1.
bool change_failed(const std::string& command, const std::string& answer);

// The reason a refusal (an answer not 2xx) gives: its "error" member, else the body itself.
std::string refusal_text(const std::string& answer);

}  // namespace setpoint::runner

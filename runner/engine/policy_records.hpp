#pragma once
// The store's records as policies read them (ctx:decisions, ctx:cycles, ctx:rollouts,
// ctx:drift_events, ctx:incidents): each row flattened to the fields a triage needs, newest
// first, times in epoch seconds.
#include <vector>

#include "setpoint/audit/audit_store.hpp"
#include "setpoint/bindings/context.hpp"

namespace setpoint::runner {

Result<std::vector<bindings::Record>> read_records(const AuditStore& store,
                                                   const bindings::RecordQuery& query);

}  // namespace setpoint::runner

-- setpoint.shed: load shedding by priority. Past `threshold` of capacity, low-priority work is
-- admitted with probability 1 - (load - threshold) / (1 - threshold): all of it at the
-- threshold, none at full load. Critical work is never shed.
--
--   local shed = require "setpoint.shed"
--   ctx:set("checkout.low_priority_admit", shed.admit_rate(load, { threshold = 0.8 }))
local M = {}

function M.admit_rate(load, opts)
  assert(type(load) == "number", "shed.admit_rate: load is a fraction of capacity")
  opts = opts or {}
  local threshold = opts.threshold or 0.8
  assert(threshold >= 0 and threshold < 1, "shed.admit_rate: threshold must be in [0, 1)")
  if opts.priority == "critical" then return 1 end
  if load <= threshold then return 1 end
  local rate = 1 - (load - threshold) / (1 - threshold)
  if rate < 0 then rate = 0 end
  return rate
end

return M

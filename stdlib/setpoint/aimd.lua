-- setpoint.aimd: additive increase, multiplicative decrease (TCP's congestion rule, and
-- Netflix concurrency-limits' AIMD limit). Grow a limit slowly while things are healthy;
-- cut it by a factor as soon as they are not.
--
--   local aimd = require "setpoint.aimd"
--   aimd.next(limit, congested, { increase = 1, decrease = 0.9, min = 1, max = 1000 })
--
-- increase: added per healthy evaluation (default 1)
-- decrease: the factor applied when congested (default 0.9; 0 < decrease < 1)
-- min, max: the result stays within them (defaults 1 and math.huge); the guard's bounds
--           still apply on top
local M = {}

function M.next(limit, congested, opts)
  assert(type(limit) == "number", "aimd.next: limit must be a number")
  opts = opts or {}
  local increase = opts.increase or 1
  local decrease = opts.decrease or 0.9
  local min = opts.min or 1
  local max = opts.max or math.huge
  assert(decrease > 0 and decrease < 1, "aimd.next: decrease must be between 0 and 1")
  local next_limit
  if congested then
    next_limit = limit * decrease
  else
    next_limit = limit + increase
  end
  if next_limit < min then next_limit = min end
  if next_limit > max then next_limit = max end
  return next_limit
end

return M

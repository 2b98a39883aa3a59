-- setpoint.timeouts: a timeout from a latency percentile, with a margin, within bounds: long
-- enough for nearly every healthy request, short enough not to hold resources for the rest.
--
--   local timeouts = require "setpoint.timeouts"
--   local t = timeouts.from_percentile(m.p99, { margin = 0.5, min = 100, max = 5000 })
--
-- margin 0.5 gives p99 × 1.5. With no percentile (no data) it returns nil: keep what you have.
local M = {}

function M.from_percentile(percentile, opts)
  opts = opts or {}
  if percentile == nil then return nil end
  assert(type(percentile) == "number" and percentile >= 0, "timeouts.from_percentile: the percentile must be a number")
  local t = percentile * (1 + (opts.margin or 0.5))
  if opts.min and t < opts.min then t = opts.min end
  if opts.max and t > opts.max then t = opts.max end
  if opts.round then t = math.ceil(t / opts.round) * opts.round end
  return t
end

return M

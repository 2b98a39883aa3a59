-- setpoint.gradient: a gradient concurrency limit (Netflix concurrency-limits' Gradient2, the
-- idea behind Envoy's adaptive concurrency). Compare the short-term latency with the long-term
-- one: while they agree, grow by a headroom of √limit; as the short one rises, shrink in
-- proportion. The gradient is clamped to [0.5, 1] so one bad sample cannot halve the limit
-- twice over, and the step is smoothed.
--
--   local gradient = require "setpoint.gradient"
--   local limit = gradient.next(limit, short.p50, long.p50,
--                               { tolerance = 1.5, smoothing = 0.2, min = 10, max = 1000 })
--
-- tolerance: how much slower the short window may be before the limit shrinks (1.5 = 50 %)
-- smoothing: the weight of the new estimate (0.2 moves a fifth of the way each evaluation)
local M = {}

function M.next(limit, short_rtt, long_rtt, opts)
  assert(type(limit) == "number" and limit > 0, "gradient.next: limit must be positive")
  assert(type(short_rtt) == "number" and short_rtt > 0 and type(long_rtt) == "number" and long_rtt > 0,
         "gradient.next: latencies must be positive")
  opts = opts or {}
  local tolerance = opts.tolerance or 1.5
  local smoothing = opts.smoothing or 0.2
  local gradient = math.max(0.5, math.min(1.0, tolerance * long_rtt / short_rtt))
  local estimate = limit * gradient + math.sqrt(limit)
  local next_limit = limit * (1 - smoothing) + estimate * smoothing
  if opts.min and next_limit < opts.min then next_limit = opts.min end
  if opts.max and next_limit > opts.max then next_limit = opts.max end
  return next_limit
end

return M

-- setpoint.ewma: an exponentially weighted moving average, for smoothing a noisy signal before
-- acting on it. alpha is the weight of the newest sample (0 < alpha <= 1): 0.1 smooths a lot,
-- 0.9 follows closely. Keep it in ctx.state to carry it across evaluations:
--
--   local ewma = require "setpoint.ewma"
--   ctx.state.p99 = ewma.update(ctx.state.p99, m.p99, 0.2)
--
-- The first sample starts the average.
local M = {}

function M.update(average, sample, alpha)
  assert(type(sample) == "number", "ewma.update: sample must be a number")
  assert(type(alpha) == "number" and alpha > 0 and alpha <= 1, "ewma.update: alpha must be in (0, 1]")
  if average == nil then return sample end
  return average + alpha * (sample - average)
end

-- The alpha that gives a sample the weight it would have in a window of `n` samples.
function M.alpha_for(n)
  assert(type(n) == "number" and n >= 1, "ewma.alpha_for: n must be at least 1")
  return 2 / (n + 1)
end

return M

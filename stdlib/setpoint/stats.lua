-- setpoint.stats: the two-sample statistics of the C++ core (the same figures as
-- `setpoint compare`, matched to SciPy), for a policy that judges two periods or two cohorts
-- itself. Every function takes arrays of finite numbers, at most 100000 values each, and
-- returns plain tables; a bad argument is an error that names it.
--
--   local stats = require "setpoint.stats"
--   local t = stats.mann_whitney(control, canary)  -- {u, p_two_sided, p_greater, p_less,
--                                                   --  p_two_sided_exact (nil unless exact),
--                                                   --  ties, n_control, n_canary}
--   if t.p_less < 0.01 then ... end                 -- the canary's values are larger
--   local w, why = stats.welch(control, canary)     -- {t, p, df}, or nil and why not
--   local hl = stats.hodges_lehmann(control, canary, 0.95)  -- {estimate, lo, hi, level}
--   local q = stats.quantiles(values)               -- {p50, p90, p95, p99}, numpy's linear
--   local x = stats.quantile(values, 0.999)
--   local all = stats.compare(control, canary)      -- what `setpoint compare --json` prints
--
-- U is the control's; "greater" means the control is stochastically greater than the canary.
-- The shift is canary - control. These are fixed-horizon tests: a policy that looks again
-- every tick must correct for it (the rollout judge does; see docs/canary.md).
local native = ...
local M = {}

for _, name in ipairs({"mann_whitney", "welch", "hodges_lehmann", "quantile", "quantiles",
                       "compare"}) do
  M[name] = native[name]
end

-- The relative change from `before` to `after` (-0.08 is 8 % lower); nil when before is 0.
function M.relative_change(before, after)
  assert(type(before) == "number" and type(after) == "number",
         "stats.relative_change: before and after must be numbers")
  if before == 0 then return nil end
  return (after - before) / math.abs(before)
end

return M

-- setpoint.error_budget: multi-window burn rates (as in the Google SRE workbook). The burn rate
-- is the error rate over what the SLO allows (1 - slo); burning fast means both a long and a
-- short window burn faster than `factor` (14.4 spends 2 % of a 30-day budget in an hour).
-- While burning fast, freeze risky changes.
--
--   local budget = require "setpoint.error_budget"
--   if budget.burning_fast(short.error_rate, long.error_rate, { slo = 0.999 }) then … end
local M = {}

function M.burn_rate(error_rate, slo)
  assert(type(error_rate) == "number" and type(slo) == "number" and slo < 1, "error_budget.burn_rate: error rate and slo < 1")
  return error_rate / (1 - slo)
end

function M.burning_fast(short_error_rate, long_error_rate, opts)
  assert(opts and opts.slo, "error_budget.burning_fast: needs { slo = 0.999 }")
  local factor = opts.factor or 14.4
  return M.burn_rate(short_error_rate, opts.slo) > factor and M.burn_rate(long_error_rate, opts.slo) > factor
end

return M

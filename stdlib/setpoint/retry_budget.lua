-- setpoint.retry_budget: retries as a share of requests (as Finagle and Envoy budget them), so
-- a failing dependency cannot be hammered by a retry storm: at most `ratio` retries per request,
-- plus a floor of `min_per_s` so a quiet service can still retry.
--
--   local budget = require "setpoint.retry_budget"
--   local limit = budget.limit(m.rate, { ratio = 0.1, min_per_s = 5 })   -- retries per second
--   if budget.exceeded(m.rate, retries.rate, { ratio = 0.1, min_per_s = 5 }) then … end
local M = {}

function M.limit(request_rate, opts)
  assert(type(request_rate) == "number" and request_rate >= 0, "retry_budget.limit: a request rate")
  opts = opts or {}
  return request_rate * (opts.ratio or 0.1) + (opts.min_per_s or 0)
end

function M.exceeded(request_rate, retry_rate, opts)
  assert(type(retry_rate) == "number", "retry_budget.exceeded: a retry rate")
  return retry_rate > M.limit(request_rate, opts)
end

return M

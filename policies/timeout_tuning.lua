-- timeout_tuning: a client timeout that follows the service's p99, with a margin, within bounds —
-- long enough for nearly every healthy request, short enough not to hold resources for the rest.
-- Controls: the parameter "service.timeout_ms" (a client's or a proxy's timeout, in ms).
-- Signals: http.server{service=checkout} over the last 10 s: p99. Timed-out requests are
--   recorded at the timeout itself, so a timeout that is too short shows as a p99 pinned at it
--   and the next evaluation raises it by the margin again.
-- Trust rules: at least 100 requests in the window; no change smaller than the guard's deadband;
--   no change for 2 minutes after a deployment of the service (a "deploy" event): a warming
--   version's p99 is not the one to keep.
-- Guard settings it expects: hard bounds (the timeout never below what the slowest healthy
--   dependency needs, never above what a caller can wait); up max_step 100 %, down 30 % per
--   change, a few seconds' cooldown; a deadband of a few ms.
local deploys = require "setpoint.deploys"
local timeouts = require "setpoint.timeouts"

local SERVICE = "checkout"
local PARAM = "service.timeout_ms"
local MARGIN = 0.5  -- timeout = p99 × 1.5

return {
  name = "timeout-tuning",
  every = "1s",
  params = { PARAM },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = SERVICE }, "10s")
    if m.count < 100 or m.p99 == nil or deploys.settling(ctx, SERVICE, 120) then return end
    local t = timeouts.from_percentile(m.p99, { margin = MARGIN, round = 10 })
    if t ~= ctx:param(PARAM) then
      ctx:set(PARAM, t, { reason = ("p99 %.0f ms"):format(m.p99) })
    end
  end,
}

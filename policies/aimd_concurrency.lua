-- aimd_concurrency: a service's concurrency limit, by AIMD (additive increase, multiplicative
-- decrease — TCP's rule, and Netflix concurrency-limits' AimdLimit), the decrease scaled by how
-- far p99 is over its target.
-- Controls: the parameter "service.concurrency_limit" (an inproc Bulkhead's limit, or a proxy's).
-- Signals: http.server{service=checkout} over the last second — its p99 latency, and how many
--   requests the limit itself turned away (outcome "rejected").
-- Trust rules: at least 20 completed requests in the window; the limit grows only while it is
--   what turns requests away (raising a limit nobody reaches proves nothing); no change for
--   2 minutes after a deployment of the service (a "deploy" event: a warming version's latency
--   is not the one to size the limit by).
-- Guard settings it expects: hard bounds; up max_step about 5 % with a 1 s cooldown; down
--   max_step 75 % (its deepest cut).
local aimd = require "setpoint.aimd"
local deploys = require "setpoint.deploys"

local SERVICE = "checkout"
local PARAM = "service.concurrency_limit"
local TARGET_P99_MS = 250

return {
  name = "aimd-concurrency",
  every = "1s",
  params = { PARAM },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = SERVICE }, "1s")
    local rejected = m.outcomes.rejected or 0
    local completed = m.count - rejected
    if completed < 20 or m.p99 == nil or deploys.settling(ctx, SERVICE, 120) then return end
    local limit = ctx:param(PARAM)
    local congested = m.p99 > TARGET_P99_MS
    if not congested and rejected == 0 then return end  -- the limit is not what binds: leave it
    -- The cut follows the overshoot (at least 5 %, at most 75 %): far over the target, the
    -- limit comes down in a few evaluations instead of a dozen; just over it, gently. The
    -- square root tempers it: the window right after a cut still holds some of the queue the
    -- cut left, and a full-depth cut on that stale p99 would overshoot.
    local decrease = math.max(0.25, math.min(0.95, math.sqrt(TARGET_P99_MS / m.p99)))
    local next = math.floor(aimd.next(limit, congested, { increase = 1, decrease = decrease, min = 1 }))
    if next ~= limit then
      ctx:set(PARAM, next, { reason = ("p99 %.0f ms, %d rejected"):format(m.p99, rejected) })
    end
  end,
}

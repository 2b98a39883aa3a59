-- gradient_concurrency: a service's concurrency limit by gradient (the idea of Netflix
-- concurrency-limits' Gradient2 and Envoy's adaptive concurrency): scale the limit by how far
-- the measured latency is from the latency wanted, plus a headroom of √limit for queueing.
-- Gradient2 compares the short-term latency with its own long-term average, which lets a
-- slowly rising latency drag the target along; here the target is the SLO's p99 itself, so
-- the limit settles where p99 meets it (a touch above: the headroom).
-- Controls: the parameter "service.concurrency_limit".
-- Signals: http.server{service=checkout} over the last second: p99, and how many requests the
--   limit turned away (outcome "rejected").
-- Trust rules: at least 20 completed requests in the window; the gradient is clamped to
--   [0.5, 1] (one evaluation at most halves the limit); the limit grows only while it is what
--   turns requests away; no change for 2 minutes after a deployment of the service (a
--   "deploy" event).
-- Guard settings it expects: hard bounds; up max_step about 5 % with a 1 s cooldown; down
--   max_step 50 %.
local deploys = require "setpoint.deploys"
local gradient = require "setpoint.gradient"

local SERVICE = "checkout"
local PARAM = "service.concurrency_limit"
local TARGET_P99_MS = 220  -- the SLO is 300 ms: the headroom settles p99 ~10 % above this

return {
  name = "gradient-concurrency",
  every = "1s",
  params = { PARAM },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = SERVICE }, "1s")
    local rejected = m.outcomes.rejected or 0
    if m.count - rejected < 20 or m.p99 == nil or deploys.settling(ctx, SERVICE, 120) then return end
    local limit = ctx:param(PARAM)
    if m.p99 <= TARGET_P99_MS and rejected == 0 then return end  -- the limit is not what binds
    local next = math.floor(gradient.next(limit, m.p99, TARGET_P99_MS, { tolerance = 1, smoothing = 1, min = 1 }))
    if next ~= limit then
      ctx:set(PARAM, next, { reason = ("p99 %.0f ms against %d ms, %d rejected"):format(m.p99, TARGET_P99_MS, rejected) })
    end
  end,
}

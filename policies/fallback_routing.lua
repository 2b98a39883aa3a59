-- fallback_routing: sends a dependency's traffic to its fallback (a replica in another region,
-- a cache, a simpler service) while the primary fails, and brings it back gradually once the
-- primary is healthy. A share always stays on the primary: without it nobody would know it
-- had recovered.
-- Controls: the parameter "service.fallback_share" (the share routed to the fallback, 0 to 0.95).
-- Signals: http.server{service=checkout} over the last 5 s: the primary's failures are the
--   requests that failed plus those the fallback answered (outcome "degraded").
-- Trust rules: at least 100 requests in the window; fail over after 3 evaluations in a row
--   over 5 %; fail back only after 10 in a row under 1 %, 10 points an evaluation — and all the
--   way over again if the primary fails while coming back. No settling after a deployment of
--   the primary: a bad one is a reason to fail over.
-- Guard settings it expects: bounds [0, 0.95]; up max_step 1 (fail over at once), down
--   max_step 0.1 with a 1 s cooldown.
local SERVICE = "checkout"
local PARAM = "service.fallback_share"
local FAILING, HEALTHY = 0.05, 0.01
local OVER = 0.95
local FAIL_OVER_AFTER, FAIL_BACK_AFTER = 3, 10

return {
  name = "fallback-routing",
  every = "1s",
  params = { PARAM },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = SERVICE }, "5s")
    if m.count < 100 then return end
    local failing = ((m.outcomes.error or 0) + (m.outcomes.degraded or 0)) / m.count
    local s = ctx.state
    s.bad = failing >= FAILING and (s.bad or 0) + 1 or 0
    s.good = failing < HEALTHY and (s.good or 0) + 1 or 0
    local share = ctx:param(PARAM)
    local why = ("the primary failing %.1f %%"):format(failing * 100)
    if s.bad >= FAIL_OVER_AFTER and share < OVER then
      ctx:set(PARAM, OVER, { reason = why .. (" for %d evaluations: fail over"):format(s.bad) })
    elseif s.good >= FAIL_BACK_AFTER and share > 0 then
      ctx:set(PARAM, math.max(0, math.floor((share - 0.1) * 100 + 0.5) / 100), { reason = why .. (" for %d evaluations: fail back"):format(s.good) })
    end
  end,
}

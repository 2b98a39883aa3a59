-- retry_budget: how many retries a service's clients may send, as a share of their new requests
-- (the retry budgets of Finagle and Envoy). Generous while failures are rare — retries then hide
-- transient errors — and cut to the floor as soon as failures are widespread: the service is
-- overloaded or down, every retry only adds load, and a retry storm can keep it down after its
-- trigger has gone (a metastable failure).
-- Controls: the parameter "client.retry_ratio" (a RetryBudget's ratio, or a mesh's retry budget).
-- Signals: http.server{service=checkout} over the last 5 s: the share of requests that failed
--   (errors, timeouts, rejections).
-- Trust rules: at least 50 requests in the window; the cut is immediate, the way back is slow —
--   one step of 1 % after 10 healthy evaluations in a row (under 5 % failing), then one a second.
--   No settling after a deployment: a new version that fails is exactly when retries must not pile on.
-- Guard settings it expects: bounds [floor, the ratio your team agreed] — the guard's max is the
--   ceiling, so the budget can never exceed what was agreed; down max_step 100 % (a cut is
--   always safe), up max_step 0.01 with a 1 s cooldown.
local SERVICE = "checkout"
local PARAM = "client.retry_ratio"
local FLOOR = 0.02     -- a trickle of retries, so a recovering service is noticed
local CEILING = 0.1    -- the agreed budget: 10 % more requests at most
local WIDESPREAD = 0.2 -- failing at this share, retries mostly fail too
local HEALTHY = 0.05

return {
  name = "retry-budget",
  every = "1s",
  params = { PARAM },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = SERVICE }, "5s")
    if m.count < 50 then return end
    local ratio = ctx:param(PARAM)
    local failing = m.error_rate
    if failing >= WIDESPREAD then
      ctx.state.healthy = 0
      if ratio > FLOOR then
        ctx:set(PARAM, FLOOR, { reason = ("%.0f %% of requests failing: retries only add load"):format(failing * 100) })
      end
      return
    end
    if failing >= HEALTHY then
      ctx.state.healthy = 0
      return
    end
    ctx.state.healthy = (ctx.state.healthy or 0) + 1
    if ctx.state.healthy >= 10 and ratio < CEILING then
      local next = math.min(CEILING, math.floor((ratio + 0.01) * 100 + 0.5) / 100)
      ctx:set(PARAM, next, { reason = ("%.1f %% failing for %d s: retries may help again"):format(failing * 100, ctx.state.healthy) })
    end
  end,
}

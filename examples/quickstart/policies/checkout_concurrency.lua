-- Checkout's concurrency limit, by AIMD: add 5 while checkout is healthy, cut by 10 % as soon
-- as its p99 passes 300 ms or more than 2 % of requests fail.
-- Signals: http.server{service=checkout} over the last 10 s. Trust: at least 50 requests.
-- Guard (setpoint.yaml): 20..400, at most 5 up and 50 % down per change, 2 s cooldowns.
local aimd = require "setpoint.aimd"
return {
  name = "checkout-concurrency",
  every = "2s",
  params = { "checkout.max_concurrency" },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = "checkout" }, "10s")
    if m.count < 50 then return end
    local congested = m.p99 > 300 or m.error_rate > 0.02
    local limit = ctx:param("checkout.max_concurrency")
    ctx:set("checkout.max_concurrency", math.floor(aimd.next(limit, congested, { increase = 5 })),
            { reason = ("p99 %.0f ms, errors %.1f %%"):format(m.p99, m.error_rate * 100) })
  end,
}

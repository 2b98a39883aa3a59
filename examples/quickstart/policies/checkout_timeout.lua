-- Checkout's client timeout follows its p99: p99 × 1.5, rounded up to 10 ms, within 200 ms
-- and 2 s, so a healthy request is almost never cut off and a stuck one is not waited on.
-- Signals: http.server{service=checkout} over 30 s. Trust: at least 200 requests.
-- Guard (setpoint.yaml): 200..2000 ms, a 20 ms deadband, 5 s cooldowns.
local timeouts = require "setpoint.timeouts"
return {
  name = "checkout-timeout",
  every = "5s",
  params = { "checkout.timeout_ms" },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = "checkout" }, "30s")
    if m.count < 200 then return end
    local t = timeouts.from_percentile(m.p99, { margin = 0.5, min = 200, max = 2000, round = 10 })
    if t == ctx:param("checkout.timeout_ms") then return end
    ctx:set("checkout.timeout_ms", t, { reason = ("p99 %.0f ms"):format(m.p99) })
  end,
}

-- The reference policy: AIMD on checkout's concurrency limit from its p99 and error rate.
-- Try it: build/runner/setpoint eval examples/policies/checkout_concurrency.lua \
--          --fixture examples/policies/checkout_concurrency.fixture.json
local aimd = require "setpoint.aimd"
return {
  name = "checkout-concurrency",
  every = "5s",
  params = { "checkout.max_concurrency" },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = "checkout" }, "1m")
    if m.count < 100 then return end
    local limit = ctx:param("checkout.max_concurrency")
    ctx:set("checkout.max_concurrency", aimd.next(limit, m.p99 > 250 or m.error_rate > 0.02),
            { reason = ("p99=%.0fms"):format(m.p99) })
    ctx.state.evaluations = (ctx.state.evaluations or 0) + 1
  end,
}

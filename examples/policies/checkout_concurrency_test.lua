-- The reference policy's own tests: run with `build/runner/setpoint test examples/policies`.
local t = require "setpoint.testing"

local function fixture(p99, limit, now)
  return {
    now = now or "2026-11-20T10:00:00Z",
    windows = { ["http.server{service=checkout}"] = { ["1m"] = { count = 1200, p99 = p99, error_rate = 0.001 } } },
    params = { ["checkout.max_concurrency"] = limit },
  }
end

t.case("cuts the limit by 10 % when p99 is high", function()
  local policy = t.policy("checkout_concurrency.lua")
  t.expect_set(policy:evaluate(fixture(412, 100)), "checkout.max_concurrency", 90)
end)

t.case("adds one when healthy, and counts its evaluations across steps", function()
  local policy = t.policy("checkout_concurrency.lua")
  policy:evaluate(fixture(100, 100, 0))
  local out = policy:evaluate(fixture(100, 101, 5))
  t.expect_set(out, "checkout.max_concurrency", 102)
  t.expect_eq(out.state.evaluations, 2, "evaluations")
end)

t.case("does nothing on too few samples", function()
  local policy = t.policy("checkout_concurrency.lua")
  t.expect_none(policy:evaluate({ params = { ["checkout.max_concurrency"] = 100 } }))
end)

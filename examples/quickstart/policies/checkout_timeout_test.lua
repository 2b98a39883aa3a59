local t = require "setpoint.testing"

local function at(p99)
  return {
    windows = { ["http.server{service=checkout}"] = { ["30s"] = { count = 1000, p99 = p99 } } },
    params = { ["checkout.timeout_ms"] = 1000 },
  }
end

t.case("p99 × 1.5, rounded up to 10 ms", function()
  t.expect_set(t.policy("checkout_timeout.lua"):evaluate(at(243)), "checkout.timeout_ms", 370)
end)

t.case("never below 200 ms nor above 2 s", function()
  t.expect_set(t.policy("checkout_timeout.lua"):evaluate(at(40)), "checkout.timeout_ms", 200)
  t.expect_set(t.policy("checkout_timeout.lua"):evaluate(at(5000)), "checkout.timeout_ms", 2000)
end)

local t = require "setpoint.testing"

local function at(p99, errors, limit)
  return {
    windows = { ["http.server{service=checkout}"] = { ["10s"] = { count = 400, p99 = p99, error_rate = errors } } },
    params = { ["checkout.max_concurrency"] = limit },
  }
end

t.case("adds 5 while healthy", function()
  t.expect_set(t.policy("checkout_concurrency.lua"):evaluate(at(180, 0.001, 100)), "checkout.max_concurrency", 105)
end)

t.case("cuts 10 % on a slow p99 or on errors", function()
  local policy = t.policy("checkout_concurrency.lua")
  t.expect_set(policy:evaluate(at(450, 0.001, 100)), "checkout.max_concurrency", 90)
  t.expect_set(policy:evaluate(at(180, 0.05, 100)), "checkout.max_concurrency", 90)
end)

t.case("does nothing on too few samples", function()
  t.expect_none(t.policy("checkout_concurrency.lua"):evaluate({ params = { ["checkout.max_concurrency"] = 100 } }))
end)

local t = require "setpoint.testing"

local function at(failing, ratio, count)
  return {
    windows = { ["http.server{service=checkout}"] = { ["5s"] = { count = count or 1000, error_rate = failing } } },
    params = { ["client.retry_ratio"] = ratio },
  }
end

t.case("widespread failures cut the budget to the floor at once", function()
  t.expect_set(t.policy("retry_budget.lua"):evaluate(at(0.6, 0.1)), "client.retry_ratio", 0.02)
end)

t.case("already at the floor, or failures between the lines: no proposal", function()
  t.expect_none(t.policy("retry_budget.lua"):evaluate(at(0.6, 0.02)))
  t.expect_none(t.policy("retry_budget.lua"):evaluate(at(0.1, 0.05)))
end)

t.case("the way back: 1 % after ten healthy evaluations in a row, never past the agreed 10 %", function()
  local policy = t.policy("retry_budget.lua")
  for _ = 1, 9 do t.expect_none(policy:evaluate(at(0.01, 0.02))) end
  t.expect_set(policy:evaluate(at(0.01, 0.02)), "client.retry_ratio", 0.03)
  t.expect_set(policy:evaluate(at(0.01, 0.03)), "client.retry_ratio", 0.04)
  t.expect_none(policy:evaluate(at(0.01, 0.1)))
end)

t.case("one unhealthy evaluation starts the count again", function()
  local policy = t.policy("retry_budget.lua")
  for _ = 1, 9 do policy:evaluate(at(0.01, 0.02)) end
  t.expect_none(policy:evaluate(at(0.08, 0.02)))
  t.expect_none(policy:evaluate(at(0.01, 0.02)))
end)

t.case("does nothing on too few requests", function()
  t.expect_none(t.policy("retry_budget.lua"):evaluate(at(0.9, 0.1, 20)))
end)

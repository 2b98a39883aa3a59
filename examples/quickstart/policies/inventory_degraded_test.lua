local t = require "setpoint.testing"

local function at(errors, degraded)
  return {
    windows = { ["http.server{service=inventory}"] = { ["10s"] = { count = 500, error_rate = errors } } },
    params = { ["inventory.degraded"] = degraded },
  }
end

t.case("one bad evaluation is not enough; two are", function()
  local policy = t.policy("inventory_degraded.lua")
  t.expect_none(policy:evaluate(at(0.08, false)))
  t.expect_set(policy:evaluate(at(0.08, false)), "inventory.degraded", true)
end)

t.case("leaves only after three evaluations under 1.5 %", function()
  local policy = t.policy("inventory_degraded.lua")
  policy:evaluate(at(0.08, false))
  policy:evaluate(at(0.08, false))
  t.expect_none(policy:evaluate(at(0.02, true)))  -- between the lines: stays on
  t.expect_none(policy:evaluate(at(0.01, true)))
  t.expect_none(policy:evaluate(at(0.01, true)))
  t.expect_set(policy:evaluate(at(0.01, true)), "inventory.degraded", false)
end)

local t = require "setpoint.testing"

t.case("asks for 600 ms until it has it", function()
  local policy = t.policy("to_600.lua")
  t.expect_set(policy:evaluate({ params = { ["checkout.timeout_ms"] = 800 } }),
               "checkout.timeout_ms", 600)
  t.expect_none(policy:evaluate({ params = { ["checkout.timeout_ms"] = 600 } }))
end)

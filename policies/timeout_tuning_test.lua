local t = require "setpoint.testing"

local function at(p99, timeout)
  return {
    windows = { ["http.server{service=checkout}"] = { ["10s"] = { count = 1000, p99 = p99 } } },
    params = { ["service.timeout_ms"] = timeout },
  }
end

t.case("p99 × 1.5, rounded up to 10 ms", function()
  t.expect_set(t.policy("timeout_tuning.lua"):evaluate(at(87, 1000)), "service.timeout_ms", 140)
end)

t.case("a timeout pinning p99 (requests cut off) is raised by the margin", function()
  t.expect_set(t.policy("timeout_tuning.lua"):evaluate(at(140, 140)), "service.timeout_ms", 210)
end)

t.case("no proposal when it already holds, or on too few requests", function()
  t.expect_none(t.policy("timeout_tuning.lua"):evaluate(at(140, 210)))
  t.expect_none(t.policy("timeout_tuning.lua"):evaluate({ params = { ["service.timeout_ms"] = 100 } }))
end)

t.case("holds still for 2 minutes after a deployment", function()
  local fixture = at(87, 1000)
  fixture.windows["deploy{service=checkout}"] = { ["2m"] = { count = 1 } }
  t.expect_none(t.policy("timeout_tuning.lua"):evaluate(fixture))
end)

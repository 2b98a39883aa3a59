local t = require "setpoint.testing"

local function at(p99, ok, rejected, limit)
  return {
    windows = { ["http.server{service=checkout}"] = { ["1s"] = {
      count = ok + rejected, p99 = p99, outcomes = { ok = ok, rejected = rejected } } } },
    params = { ["service.concurrency_limit"] = limit },
  }
end

t.case("cuts by the square root of the overshoot: at least 5 %, at most 75 %", function()
  t.expect_set(t.policy("aimd_concurrency.lua"):evaluate(at(255, 500, 0, 100)), "service.concurrency_limit", 95)
  t.expect_set(t.policy("aimd_concurrency.lua"):evaluate(at(400, 500, 0, 100)), "service.concurrency_limit", 79)
  t.expect_set(t.policy("aimd_concurrency.lua"):evaluate(at(2000, 500, 0, 100)), "service.concurrency_limit", 35)
  t.expect_set(t.policy("aimd_concurrency.lua"):evaluate(at(9000, 500, 0, 100)), "service.concurrency_limit", 25)
end)

t.case("adds one while healthy and the limit is what rejects", function()
  t.expect_set(t.policy("aimd_concurrency.lua"):evaluate(at(120, 500, 40, 100)), "service.concurrency_limit", 101)
end)

t.case("leaves a limit nobody reaches alone", function()
  t.expect_none(t.policy("aimd_concurrency.lua"):evaluate(at(120, 500, 0, 100)))
end)

t.case("does nothing on too few completed requests", function()
  t.expect_none(t.policy("aimd_concurrency.lua"):evaluate(at(900, 10, 300, 100)))
end)

t.case("holds still for 2 minutes after a deployment", function()
  local fixture = at(400, 500, 0, 100)
  fixture.windows["deploy{service=checkout}"] = { ["2m"] = { count = 1 } }
  t.expect_none(t.policy("aimd_concurrency.lua"):evaluate(fixture))
end)

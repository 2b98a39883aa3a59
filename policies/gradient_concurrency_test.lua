local t = require "setpoint.testing"

local function at(p99, ok, rejected, limit)
  return {
    windows = { ["http.server{service=checkout}"] = { ["1s"] = {
      count = ok + rejected, p99 = p99, outcomes = { ok = ok, rejected = rejected } } } },
    params = { ["service.concurrency_limit"] = limit },
  }
end

t.case("scales by target over p99, plus √limit of headroom", function()
  -- 100 × 220/400 + 10 = 65
  t.expect_set(t.policy("gradient_concurrency.lua"):evaluate(at(400, 500, 0, 100)), "service.concurrency_limit", 65)
end)

t.case("at most halves the limit in one evaluation", function()
  t.expect_set(t.policy("gradient_concurrency.lua"):evaluate(at(5000, 500, 0, 400)), "service.concurrency_limit", 220)
end)

t.case("grows by the headroom while healthy and the limit is what rejects", function()
  t.expect_set(t.policy("gradient_concurrency.lua"):evaluate(at(120, 500, 40, 100)), "service.concurrency_limit", 110)
end)

t.case("leaves a limit nobody reaches alone; too few requests: nothing", function()
  t.expect_none(t.policy("gradient_concurrency.lua"):evaluate(at(120, 500, 0, 100)))
  t.expect_none(t.policy("gradient_concurrency.lua"):evaluate(at(900, 10, 300, 100)))
end)

t.case("holds still for 2 minutes after a deployment", function()
  local fixture = at(400, 500, 0, 100)
  fixture.windows["deploy{service=checkout}"] = { ["2m"] = { count = 1 } }
  t.expect_none(t.policy("gradient_concurrency.lua"):evaluate(fixture))
end)

local t = require "setpoint.testing"

local function at(p99, ok, rejected, limit, now)
  return {
    now = now or 1000,
    windows = { ["http.server{service=checkout}"] = { ["1s"] = {
      count = ok + rejected, p99 = p99, outcomes = { ok = ok, rejected = rejected } } } },
    params = { ["service.concurrency_limit"] = limit },
  }
end

t.case("cuts by the overshoot when p99 is over the target: at least 5 %, at most 75 %", function()
  t.expect_set(t.policy("aimd_concurrency.lua"):evaluate(at(255, 500, 0, 100)), "service.concurrency_limit", 95)
  t.expect_set(t.policy("aimd_concurrency.lua"):evaluate(at(400, 500, 0, 100)), "service.concurrency_limit", 62)
  t.expect_set(t.policy("aimd_concurrency.lua"):evaluate(at(2000, 500, 0, 100)), "service.concurrency_limit", 25)
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

t.case("after a cut, holds once while p99 falls but is not yet near what the cut should give", function()
  local policy = t.policy("aimd_concurrency.lua")
  t.expect_set(policy:evaluate(at(500, 500, 0, 400, 1000)), "service.concurrency_limit", 200)  -- should give ~250
  t.expect_none(policy:evaluate(at(400, 500, 0, 200, 1001)))                                     -- stale: hold
  t.expect_set(policy:evaluate(at(400, 500, 0, 200, 1002)), "service.concurrency_limit", 125)
  t.expect_set(policy:evaluate(at(270, 500, 0, 125, 1003)), "service.concurrency_limit", 115)  -- near the ~250 it should give: no hold
  t.expect_set(policy:evaluate(at(500, 500, 0, 115, 1004)), "service.concurrency_limit", 57)   -- rising: no hold
end)

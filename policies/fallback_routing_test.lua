local t = require "setpoint.testing"

-- Five seconds of the primary: `failing` of 1000 requests, the fallback answering `answered`
-- of them; the share routed to the fallback in force.
local function at(failing, share, answered)
  local failures = math.floor(failing * 1000 + 0.5)
  answered = answered or 0
  return {
    windows = { ["http.server{service=checkout}"] = { ["5s"] = {
      count = 1000, outcomes = { ok = 1000 - failures, error = failures - answered, degraded = answered } } } },
    params = { ["service.fallback_share"] = share },
  }
end

t.case("fails over after three evaluations over 5 %, keeping 5 % on the primary", function()
  local policy = t.policy("fallback_routing.lua")
  t.expect_none(policy:evaluate(at(0.4, 0)))
  t.expect_none(policy:evaluate(at(0.4, 0)))
  t.expect_set(policy:evaluate(at(0.4, 0)), "service.fallback_share", 0.95)
end)

t.case("failures the fallback answered still count against the primary: it stays over", function()
  local policy = t.policy("fallback_routing.lua")
  for _ = 1, 20 do t.expect_none(policy:evaluate(at(0.4, 0.95, 380))) end
end)

t.case("fails back 10 points an evaluation after ten healthy ones", function()
  local policy = t.policy("fallback_routing.lua")
  for _ = 1, 9 do t.expect_none(policy:evaluate(at(0.002, 0.95))) end
  t.expect_set(policy:evaluate(at(0.002, 0.95)), "service.fallback_share", 0.85)
  t.expect_set(policy:evaluate(at(0.002, 0.85)), "service.fallback_share", 0.75)
end)

t.case("the primary failing again while coming back: all the way over again", function()
  local policy = t.policy("fallback_routing.lua")
  for _ = 1, 10 do policy:evaluate(at(0.002, 0.95)) end
  for _ = 1, 2 do t.expect_none(policy:evaluate(at(0.3, 0.55))) end
  t.expect_set(policy:evaluate(at(0.3, 0.55)), "service.fallback_share", 0.95)
end)

t.case("between the lines, or too few requests: nothing", function()
  local policy = t.policy("fallback_routing.lua")
  for _ = 1, 12 do t.expect_none(policy:evaluate(at(0.03, 0.5))) end
  t.expect_none(t.policy("fallback_routing.lua"):evaluate({
    windows = { ["http.server{service=checkout}"] = { ["5s"] = { count = 50, outcomes = { error = 50 } } } },
    params = { ["service.fallback_share"] = 0 } }))
end)

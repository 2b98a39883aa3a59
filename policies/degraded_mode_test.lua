local t = require "setpoint.testing"

local function at(failing, level, degraded)
  local errors = math.floor(failing * 1000 + 0.5)
  local answered = degraded and math.floor(errors / 2) or 0
  return {
    windows = { ["http.server{service=checkout}"] = { ["2s"] = {
      count = 1000, outcomes = { ok = 1000 - errors, error = errors - answered, degraded = answered } } } },
    params = { ["service.degradation"] = level },
  }
end

t.case("yellow after five evaluations over 3 % in a row, not four", function()
  local policy = t.policy("degraded_mode.lua")
  for _ = 1, 4 do t.expect_none(policy:evaluate(at(0.04, 0))) end
  t.expect_set(policy:evaluate(at(0.04, 0)), "service.degradation", 1)
end)

t.case("a single spike is not an incident: the count starts again", function()
  local policy = t.policy("degraded_mode.lua")
  t.expect_none(policy:evaluate(at(0.30, 0)))
  for _ = 1, 4 do t.expect_none(policy:evaluate(at(0.05, 0))) end
  t.expect_none(policy:evaluate(at(0.01, 0)))
  t.expect_none(policy:evaluate(at(0.05, 0)))
end)

t.case("red from 10 %", function()
  local policy = t.policy("degraded_mode.lua")
  for _ = 1, 4 do policy:evaluate(at(0.12, 1, true)) end
  t.expect_set(policy:evaluate(at(0.12, 1, true)), "service.degradation", 2)
end)

t.case("answered-degraded requests still count as the dependency failing", function()
  local policy = t.policy("degraded_mode.lua")
  for _ = 1, 20 do t.expect_none(policy:evaluate(at(0.04, 1, true))) end  -- 2 % errors + 2 % answered
end)

t.case("leaves only under half the line, ten evaluations in a row", function()
  local policy = t.policy("degraded_mode.lua")
  for _ = 1, 10 do t.expect_none(policy:evaluate(at(0.02, 1, true))) end  -- under 3 %, not under 1.5 %
  for _ = 1, 9 do t.expect_none(policy:evaluate(at(0.01, 1, true))) end
  t.expect_set(policy:evaluate(at(0.01, 1, true)), "service.degradation", 0)
end)

t.case("does nothing on too few requests", function()
  t.expect_none(t.policy("degraded_mode.lua"):evaluate({
    windows = { ["http.server{service=checkout}"] = { ["2s"] = { count = 50, outcomes = { error = 50 } } } },
    params = { ["service.degradation"] = 0 } }))
end)

local t = require "setpoint.testing"

local function at(now, sqli, geo, sqli_enabled)
  if sqli_enabled == nil then sqli_enabled = true end
  return {
    now = now,
    windows = {
      ["rule.violations{rule=sqli-strict}"] = { ["1s"] = { count = sqli } },
      ["rule.violations{rule=geo-block}"] = { ["1s"] = { count = geo or 5 } },
    },
    params = { ["rules.sqli-strict.enabled"] = sqli_enabled, ["rules.geo-block.enabled"] = true },
  }
end

-- A policy that has learnt a baseline of 20 violations a second for sqli-strict.
local function learnt()
  local policy = t.policy("rule_circuit_breaker.lua")
  for i = 1, 10 do t.expect_none(policy:evaluate(at(i, 20))) end
  return policy
end

t.case("a surge past 3x the baseline switches the rule off at once", function()
  t.expect_set(learnt():evaluate(at(11, 100)), "rules.sqli-strict.enabled", false)
end)

t.case("no verdict while the baseline is being learnt", function()
  t.expect_none(t.policy("rule_circuit_breaker.lua"):evaluate(at(1, 500)))
end)

t.case("under 3x, or too few violations to matter, it stays on", function()
  local policy = learnt()
  t.expect_none(policy:evaluate(at(11, 55)))
  local quiet = t.policy("rule_circuit_breaker.lua")
  for i = 1, 10 do quiet:evaluate(at(i, 2, 1)) end
  t.expect_none(quiet:evaluate(at(11, 2, 25)))  -- geo-block 25x its baseline, but only 25 a second
end)

t.case("back on after the cooldown if calm; still surging, off for another cooldown", function()
  local policy = learnt()
  policy:evaluate(at(11, 100))
  t.expect_none(policy:evaluate(at(30, 20, 5, false)))   -- calm, but inside the 30 s cooldown
  t.expect_none(policy:evaluate(at(41, 100, 5, false)))  -- the probe finds it surging: off again
  t.expect_none(policy:evaluate(at(60, 20, 5, false)))
  t.expect_set(policy:evaluate(at(71, 20, 5, false)), "rules.sqli-strict.enabled", true)
end)

t.case("asks again while the guard has not let a change through", function()
  local policy = learnt()
  t.expect_set(policy:evaluate(at(11, 100)), "rules.sqli-strict.enabled", false)
  t.expect_set(policy:evaluate(at(12, 100)), "rules.sqli-strict.enabled", false)  -- still on: blocked last time
end)

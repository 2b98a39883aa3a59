local t = require "setpoint.testing"

local function at(short_rate, long_rate, frozen, count)
  return {
    windows = { ["http.server{service=checkout}"] = {
      ["5m"] = { count = count or 100000, error_rate = short_rate },
      ["1h"] = { count = 1000000, error_rate = long_rate } } },
    params = { ["release.frozen"] = frozen },
  }
end

t.case("both windows past 14.4x the 0.1 % allowed: frozen at once", function()
  t.expect_set(t.policy("error_budget_freeze.lua"):evaluate(at(0.05, 0.02, false)), "release.frozen", true)
end)

t.case("one bad stretch in a good hour is not a fast burn", function()
  t.expect_none(t.policy("error_budget_freeze.lua"):evaluate(at(0.05, 0.01, false)))
end)

t.case("an hour that burned, now calm: not burning either", function()
  t.expect_none(t.policy("error_budget_freeze.lua"):evaluate(at(0.001, 0.05, false)))
end)

t.case("thaws after ten calm evaluations in a row; a burn in between starts the count again", function()
  local policy = t.policy("error_budget_freeze.lua")
  for _ = 1, 9 do t.expect_none(policy:evaluate(at(0.005, 0.03, true))) end
  t.expect_none(policy:evaluate(at(0.05, 0.03, true)))  -- burning again: already frozen
  for _ = 1, 9 do t.expect_none(policy:evaluate(at(0.005, 0.03, true))) end
  t.expect_set(policy:evaluate(at(0.005, 0.03, true)), "release.frozen", false)
end)

t.case("does nothing on too few requests", function()
  t.expect_none(t.policy("error_budget_freeze.lua"):evaluate(at(0.5, 0.5, false, 500)))
end)

local t = require "setpoint.testing"

local KEY = "http.server{service=checkout}"

-- A night's inputs: yesterday's p99 and the week's, the current limit and timeout.
local function night(p99_day, p99_week, limit, timeout, extra)
  local f = {
    now = "2026-11-20T03:00:00Z",
    history = { [KEY] = {
      ["1d"] = { total = { count = 50000, p99 = p99_day } },
      ["7d"] = { total = { count = 350000, p99 = p99_week }, periods = {} },
    } },
    params = { ["checkout.max_concurrency"] = limit, ["checkout.timeout_ms"] = timeout },
  }
  for k, v in pairs(extra or {}) do f[k] = v end
  return f
end

t.case("the first night explores a 5 % step up, expecting nothing, with low confidence", function()
  local out = t.policy("nightly_tuning.lua"):evaluate(night(200, 210, 100, 320))
  local p = t.expect_set(out, "checkout.max_concurrency", 105)
  t.expect_eq(p.expected.stat, "p99")
  t.expect_eq(p.expected.series, KEY)
  t.expect_eq(p.expected.change, 0)
  t.expect_eq(p.confidence, 0.3)
  t.expect_eq(#out.proposals, 1, "proposals (the timeout 320 holds: 7d p99 210 × 1.5 = 320)")
end)

t.case("with two nights the slope says which way, and predicts how far", function()
  local policy = t.policy("nightly_tuning.lua")
  policy:evaluate(night(200, 210, 100, 320))
  -- At 105 p99 went down 10 ms: a slope of -2 ms a slot. Up again by 5 % of 105 (5.25):
  -- predicted -2 × 5.25 / 190 = -5.5 %.
  local out = policy:evaluate(night(190, 205, 105, 320))
  local p = t.expect_set(out, "checkout.max_concurrency", 110)
  t.expect_near(p.expected.change, -2 * 5.25 / 190, 1e-9, "expected change")
  t.expect_near(p.confidence, 2 / 7, 1e-9, "confidence: a perfect line on 2 of 7 nights")
end)

t.case("a slope the wrong way turns it around", function()
  local policy = t.policy("nightly_tuning.lua")
  policy:evaluate(night(200, 210, 100, 320))
  local out = policy:evaluate(night(220, 215, 105, 320))  -- worse at 105: go back down
  local p = t.expect_set(out, "checkout.max_concurrency", 100)
  t.expect_near(p.expected.change, 4 * -5.25 / 220, 1e-9, "expected change")
end)

t.case("the timeout follows the week's p99, predicting an unchanged error rate", function()
  local out = t.policy("nightly_tuning.lua"):evaluate(night(200, 300, 100, 320))
  local p = t.expect_set(out, "checkout.timeout_ms", 450)
  t.expect_eq(p.expected.stat, "error_rate")
  t.expect_eq(p.expected.change, 0)
end)

t.case("too little history or traffic: nothing is proposed", function()
  local f = night(200, 210, 100, 320)
  f.history[KEY]["7d"].hours_found = 5
  t.expect_none(t.policy("nightly_tuning.lua"):evaluate(f))
  f = night(200, 210, 100, 320)
  f.history[KEY]["1d"].total.count = 999
  t.expect_none(t.policy("nightly_tuning.lua"):evaluate(f))
  -- No history kept at all (the fixture has none): ctx:history is nil.
  t.expect_none(t.policy("nightly_tuning.lua"):evaluate({
    params = { ["checkout.max_concurrency"] = 100, ["checkout.timeout_ms"] = 320 } }))
end)

local t = require "setpoint.testing"

-- One second of traffic: `cpu` %, critical and low-priority arrivals a second, how many of
-- the low ones were shed, and the admit share in force. Everything admitted was served.
local function at(cpu, critical, low, shed, admit)
  local function w(count, ok, rejected)
    return { ["1s"] = { count = count, rate = count, outcomes = { ok = ok, rejected = rejected } } }
  end
  return {
    windows = {
      ["process.cpu{service=checkout}"] = { ["1s"] = { count = 10, mean = cpu } },
      ["admission.requests{priority=critical,service=checkout}"] = w(critical, critical, 0),
      ["admission.requests{priority=low,service=checkout}"] = w(low, low, 0),
      ["http.server{priority=critical,service=checkout}"] = w(critical, critical, 0),
      ["http.server{priority=low,service=checkout}"] = w(low, low - shed, shed),
    },
    params = { ["service.low_priority_admit"] = admit },
  }
end

t.case("reads the capacity off the CPU and admits the low-priority share that fits under 90 %", function()
  -- Half of 800 low requests shed; 300 critical + 400 low served at 70 %: capacity 1000/s,
  -- 900 fit, 600 of them low: 0.75.
  t.expect_set(t.policy("load_shedder.lua"):evaluate(at(70, 300, 800, 400, 0.5)), "service.low_priority_admit", 0.75, 0.001)
end)

t.case("saturated, a queue has built: sheds 10 points deeper until it drains", function()
  -- 300 critical + 700 low arriving, all served at 100 %: 800 fit while draining, 500 of them low.
  t.expect_set(t.policy("load_shedder.lua"):evaluate(at(100, 300, 700, 0, 1)), "service.low_priority_admit", 0.71, 0.001)
end)

t.case("sheds low priority only: critical load over the target sheds all low, nothing more", function()
  t.expect_set(t.policy("load_shedder.lua"):evaluate(at(100, 950, 100, 0, 1)), "service.low_priority_admit", 0)
end)

t.case("lets everything back in once it fits, and holds within two points", function()
  t.expect_set(t.policy("load_shedder.lua"):evaluate(at(40, 100, 400, 100, 0.75)), "service.low_priority_admit", 1)
  t.expect_none(t.policy("load_shedder.lua"):evaluate(at(90, 300, 600, 0, 1)))
end)

t.case("does nothing on too few requests or no CPU reading", function()
  t.expect_none(t.policy("load_shedder.lua"):evaluate(at(100, 10, 20, 0, 1)))
  t.expect_none(t.policy("load_shedder.lua"):evaluate(at(2, 300, 700, 0, 1)))
end)

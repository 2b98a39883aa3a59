-- load_shedder: under CPU overload, sheds low-priority work — only low-priority work — so
-- that what the service admits fits under a target utilization; critical work is never shed
-- (there is no knob for it). As load falls, low-priority work is let back in.
-- Controls: the parameter "service.low_priority_admit" (the share of low-priority requests
--   admitted, 0 to 1; a shedder in front of the service, or its admission filter).
-- Signals, over the last second: process.cpu{service=checkout} (utilization, %);
--   admission.requests{priority=critical|low,service=checkout} (what arrived of each, counted
--   where requests are admitted or shed); http.server{service=checkout,priority=…} (what was
--   served). The capacity is read off the CPU: what was served over the utilization it took.
-- Trust rules: at least 50 arrivals in the window and a CPU reading above 5 %; the admit share
--   moves only when it would change by 2 points or more. While the CPU is saturated a queue has
--   built up: it sheds 10 points deeper until the queue has drained. No settling after a
--   deployment: an overload does not wait for one (it reads capacity afresh every second).
-- Guard settings it expects: bounds [0, 1]; down max_step 100 % with a 1 s cooldown (shed at
--   once); up max_step 0.1 with a 2 s cooldown (let work back in gradually).
local SERVICE = "checkout"
local PARAM = "service.low_priority_admit"
local TARGET = 0.9     -- utilization to keep under
local DRAIN = 0.1      -- headroom taken while a queue drains

return {
  name = "load-shedder",
  every = "1s",
  params = { PARAM },
  evaluate = function(ctx)
    local function window(metric, priority)
      return ctx:window(metric, { service = SERVICE, priority = priority }, "1s")
    end
    local cpu = ctx:window("process.cpu", { service = SERVICE }, "1s")
    local critical, low = window("admission.requests", "critical"), window("admission.requests", "low")
    if critical.count + low.count < 50 or cpu.mean == nil or cpu.mean < 5 or low.rate <= 0 then return end
    local utilization = cpu.mean / 100
    local function served(w)
      if w.count == 0 then return 0 end
      return w.rate * (1 - (w.outcomes.rejected or 0) / w.count)
    end
    local capacity = (served(window("http.server", "critical")) + served(window("http.server", "low"))) / utilization
    local target = TARGET
    if utilization >= 0.98 then target = TARGET - DRAIN end
    local admit = (target * capacity - critical.rate) / low.rate
    admit = math.max(0, math.min(1, math.floor(admit * 100) / 100))
    local current = ctx:param(PARAM)
    if math.abs(admit - current) < 0.02 and not (admit == 1 and current < 1) then return end
    ctx:set(PARAM, admit, { reason = ("CPU %.0f %%, capacity ~%.0f/s, critical %.0f/s, low %.0f/s"):format(
      cpu.mean, capacity, critical.rate, low.rate) })
  end,
}

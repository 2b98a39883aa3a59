-- nightly_tuning: the slow loop. Once a day it reads a week of the durable history and proposes
-- two careful changes, each with what it expects to happen and how sure it is; the engine
-- measures the truth a day later, rolls back what made things worse and learns how far to
-- trust it (sliding bounds, the drift monitor).
-- Controls: "checkout.max_concurrency" (the admission limit) and "checkout.timeout_ms" (the
--   client's timeout, in ms).
-- Signals: http.server{service=checkout} from ctx:history — yesterday's p99 and the week's
--   p99 over merged sketches (not an average of daily p99s).
-- The concurrency model: each night remembers (limit, yesterday's p99); with two or more
--   limits seen in the last 7 nights, a least-squares line p99 = a + b·limit says which way
--   is better and by how much: a 5 % step against the slope, predicting b·step / p99 (at
--   most ±30 %). With
--   fewer, it explores a 5 % step up and predicts no change, with low confidence. Confidence
--   is the fit's r² scaled by how many nights it rests on.
-- The timeout: the week's p99 × 1.5, rounded up to 10 ms, when that is 10 % or more from the
--   current one; it predicts the error rate does not move (timeouts that long cut off almost
--   nothing healthy).
-- Trust rules: at least 6 of the week's hours in the history and 1000 requests yesterday.
-- Guard settings it expects: hard bounds; sliding_bounds on the limit (operating range);
--   autopilot.verify 24h, so each change is judged over a whole day.
local timeouts = require "setpoint.timeouts"

local SERVICE = { service = "checkout" }
local LIMIT, TIMEOUT = "checkout.max_concurrency", "checkout.timeout_ms"
local STEP = 0.05
local NIGHTS = 7

-- The least-squares line through the nights' (limit, p99): slope, and r² (1: a perfect line).
local function fit(nights)
  local n, sx, sy, sxx, sxy, syy = #nights, 0, 0, 0, 0, 0
  for _, p in ipairs(nights) do
    sx, sy = sx + p.limit, sy + p.p99
    sxx, sxy, syy = sxx + p.limit * p.limit, sxy + p.limit * p.p99, syy + p.p99 * p.p99
  end
  local vx, vy, cxy = sxx - sx * sx / n, syy - sy * sy / n, sxy - sx * sy / n
  if vx <= 0 then return nil end
  local r2 = vy > 0 and (cxy * cxy) / (vx * vy) or 1
  return cxy / vx, r2
end

return {
  name = "nightly-tuning",
  schedule = "daily 03:00",
  params = { LIMIT, TIMEOUT },
  autopilot = { max_duration = "10m", verify = "24h", worse_by = 0.10, error_floor = 0.10 },
  evaluate = function(ctx)
    local day = ctx:history("http.server", SERVICE, "1d")
    local week = ctx:history("http.server", SERVICE, "7d", { by = "1d" })
    if day == nil or week == nil then return end  -- no history kept: nothing to learn from
    if week.hours_found < 6 or day.total.count < 1000 or day.total.p99 == nil then return end

    local limit = ctx:param(LIMIT)
    local nights = ctx.state.nights or {}
    nights[#nights + 1] = { limit = limit, p99 = day.total.p99 }
    while #nights > NIGHTS do table.remove(nights, 1) end
    ctx.state.nights = nights

    local slope, r2 = fit(nights)
    local step, change, confidence
    if slope == nil then  -- one limit seen so far: explore, expecting nothing
      step, change, confidence = limit * STEP, 0, 0.3
    else
      step = (slope > 0 and -1 or 1) * limit * STEP
      -- A line through a few noisy nights can promise anything: no more than ±30 % is believed.
      change = math.max(-0.3, math.min(0.3, slope * step / day.total.p99))
      confidence = math.min(0.9, r2 * #nights / NIGHTS)
    end
    ctx:set(LIMIT, math.floor(limit + step + 0.5), {
      reason = ("p99 %.0f ms yesterday; slope %s over %d nights"):format(
        day.total.p99, slope and ("%.3g ms per slot"):format(slope) or "unknown", #nights),
      expected = { metric = "http.server", labels = SERVICE, stat = "p99", change = change },
      confidence = confidence,
    })

    local timeout = timeouts.from_percentile(week.total.p99, { margin = 0.5, round = 10 })
    local current = ctx:param(TIMEOUT)
    if timeout and math.abs(timeout - current) >= 0.1 * current then
      ctx:set(TIMEOUT, timeout, {
        reason = ("7d p99 %.0f ms"):format(week.total.p99),
        expected = { metric = "http.server", labels = SERVICE, stat = "error_rate", change = 0 },
        confidence = 0.6,
      })
    end
  end,
}

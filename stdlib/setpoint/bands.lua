-- setpoint.bands: green / yellow / red from a value and two thresholds, with hysteresis so a
-- value hovering at a boundary does not flap: leaving a worse band needs the value to fall
-- below its threshold by `margin` (a fraction of the threshold).
--
--   local bands = require "setpoint.bands"
--   local band = bands.classify(ctx.state, "errors", m.error_rate,
--                               { yellow = 0.01, red = 0.05, margin = 0.2 })
local M = {}

local order = { green = 1, yellow = 2, red = 3 }

function M.classify(store, key, value, opts)
  assert(type(store) == "table" and type(value) == "number", "bands.classify: needs a store and a number")
  assert(opts and opts.yellow and opts.red and opts.red > opts.yellow, "bands.classify: needs yellow < red")
  local margin = opts.margin or 0
  local raw = "green"
  if value >= opts.red then raw = "red" elseif value >= opts.yellow then raw = "yellow" end
  local current = store[key] or "green"
  if order[raw] >= order[current] then
    store[key] = raw
    return raw
  end
  -- Going to a better band: only once below the current band's threshold by the margin.
  local threshold = current == "red" and opts.red or opts.yellow
  if value < threshold * (1 - margin) then
    store[key] = raw
    return raw
  end
  return current
end

return M

-- setpoint.hysteresis: a two-state switch with separate enter and exit thresholds, each of
-- which must hold for a number of consecutive evaluations — "enter degraded at 3 %, leave
-- below 1.5 % sustained" — so a signal hovering around one threshold does not flap.
--
--   local hysteresis = require "setpoint.hysteresis"
--   local on = hysteresis.update(ctx.state, "degraded", m.error_rate,
--                                { enter = 0.03, exit = 0.015, enter_for = 2, exit_for = 5 })
--
-- `store` is a table kept across evaluations (ctx.state); `key` names this switch in it.
-- enter > exit. Returns true while on. Values at or above `enter` count towards switching
-- on; values below `exit` towards switching off; anything between resets both counts.
local M = {}

function M.update(store, key, value, opts)
  assert(type(store) == "table", "hysteresis.update: store must be a table (ctx.state)")
  assert(type(value) == "number", "hysteresis.update: value must be a number")
  assert(opts and opts.enter and opts.exit and opts.enter > opts.exit,
         "hysteresis.update: needs enter > exit")
  local s = store[key]
  if s == nil then
    s = { on = false, count = 0 }
    store[key] = s
  end
  local enter_for = opts.enter_for or 1
  local exit_for = opts.exit_for or 1
  if not s.on then
    if value >= opts.enter then s.count = s.count + 1 else s.count = 0 end
    if s.count >= enter_for then s.on, s.count = true, 0 end
  else
    if value < opts.exit then s.count = s.count + 1 else s.count = 0 end
    if s.count >= exit_for then s.on, s.count = false, 0 end
  end
  return s.on
end

return M

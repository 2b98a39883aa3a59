-- setpoint.pid: a PID controller with anti-windup. The state lives in a table you keep (in
-- ctx.state), so the controller survives evaluations, reloads and restarts.
--
--   local pid = require "setpoint.pid"
--   ctx.state.c = ctx.state.c or pid.new({ kp = 0.5, ki = 0.1, kd = 0, min = 10, max = 500 })
--   local out = pid.step(ctx.state.c, setpoint_value, measured, dt_seconds, saturated)
--
-- Anti-windup: the integral stops growing while the output is clamped at min or max, or when
-- the caller says the actuator is saturated (the guard reports saturation at its bounds).
local M = {}

function M.new(opts)
  assert(type(opts) == "table", "pid.new: needs { kp, ki, kd, min, max }")
  return { kp = opts.kp or 0, ki = opts.ki or 0, kd = opts.kd or 0,
           min = opts.min or -math.huge, max = opts.max or math.huge,
           integral = 0, last_error = nil }
end

local function clamp(x, lo, hi)
  if x < lo then return lo, true end
  if x > hi then return hi, true end
  return x, false
end

function M.step(c, target, measured, dt, saturated)
  assert(type(target) == "number" and type(measured) == "number", "pid.step: target and measured must be numbers")
  assert(type(dt) == "number" and dt > 0, "pid.step: dt must be positive")
  local err = target - measured
  local derivative = 0
  if c.last_error ~= nil then derivative = (err - c.last_error) / dt end
  c.last_error = err
  local integral = c.integral + err * dt
  local out, clamped = clamp(c.kp * err + c.ki * integral + c.kd * derivative, c.min, c.max)
  -- Integrate only while the output can still move: no windup at a bound.
  if not clamped and not saturated then c.integral = integral end
  return out
end

return M

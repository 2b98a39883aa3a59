-- setpoint.circuit: a circuit breaker for a noisy rule (or a dependency). It opens when the
-- rate is past `threshold` times its baseline, stays open for `cooldown` seconds, then lets one
-- evaluation probe (half-open): a healthy rate closes it, a bad one opens it again.
--
--   local circuit = require "setpoint.circuit"
--   local c = circuit.update(ctx.state, "rule:" .. rule, rate, baseline,
--                            { threshold = 3, cooldown = 900, now = ctx:now() })
--   if c.changed == "open" then ctx:act("disable_rule", { rule = rule }) end
--   if c.changed == "closed" then ctx:act("enable_rule", { rule = rule }) end
--
-- A rule with no baseline yet uses `default_baseline` (0.01). Returns { state, changed } where
-- state is "closed", "open" or "half_open" and changed is the new state when it changed.
local M = {}

function M.update(store, key, rate, baseline, opts)
  assert(type(store) == "table" and type(rate) == "number", "circuit.update: needs a store and a rate")
  opts = opts or {}
  assert(type(opts.now) == "number", "circuit.update: needs opts.now (ctx:now())")
  local threshold = opts.threshold or 3
  local cooldown = opts.cooldown or 900
  if baseline == nil or baseline <= 0 then baseline = opts.default_baseline or 0.01 end
  local c = store[key] or { state = "closed", since = opts.now }
  store[key] = c
  local bad = rate > baseline * threshold
  local before = c.state
  if c.state == "closed" and bad then
    c.state, c.since = "open", opts.now
  elseif c.state == "open" and opts.now - c.since >= cooldown then
    c.state = "half_open"
  end
  if c.state == "half_open" then
    if bad then c.state, c.since = "open", opts.now else c.state, c.since = "closed", opts.now end
  end
  -- open → half_open → open within one call is still "open", not a change to report again.
  local changed = nil
  if c.state ~= before then changed = c.state end
  return { state = c.state, changed = changed }
end

return M

-- rule_circuit_breaker: switches off a detection rule (a WAF rule, a fraud check, an alerting
-- rule) whose violations jump past 3× their baseline — a bad rule update, or traffic that makes
-- it fire on legitimate requests — and switches it back on once it has calmed down, never
-- sooner than a cooldown after it was switched off.
-- Controls: the parameters "rules.<rule>.enabled" (bools), one per rule in RULES.
-- Signals: rule.violations{rule=<rule>} over the last second. A switched-off rule still runs
--   log-only, so its rate stays visible. Its baseline is an average of its rate while it
--   behaves (not updated while tripped or surging).
-- Trust rules: a baseline from at least 10 evaluations; at least 30 violations a second
--   before tripping (a rare rule going from 1 to 4 is noise); after the cooldown one probe
--   (half-open): back on only if the rate is under 3× the baseline, else off for another
--   cooldown. No settling after a deployment: a rule update that misfires is the case it is for.
-- Guard settings it expects: bools; an up (switch back on) cooldown of at least the circuit's
--   (30 s), so a rule can flap at most once per cooldown whatever this policy does; a short
--   down cooldown, so a rule that surges again soon after coming back is switched off at once.
local circuit = require "setpoint.circuit"
local ewma = require "setpoint.ewma"

local RULES = { "sqli-strict", "geo-block" }
local THRESHOLD = 3
local COOLDOWN_S = 30
local MIN_RATE = 30

local function param(rule) return "rules." .. rule .. ".enabled" end

local function watch(ctx, rule)
  local m = ctx:window("rule.violations", { rule = rule }, "1s")
  local s = ctx.state[rule] or { samples = 0 }
  ctx.state[rule] = s
  if s.samples < 10 then  -- learning the baseline: no verdict without one
    s.baseline, s.samples = ewma.update(s.baseline, m.count, 0.1), s.samples + 1
    return
  end
  local rate = m.count
  if rate < MIN_RATE then rate = 0 end  -- too few to trip on: calm
  local c = circuit.update(s, "circuit", rate, s.baseline, { threshold = THRESHOLD, cooldown = COOLDOWN_S, now = ctx:now() })
  if c.state == "closed" and m.count <= s.baseline * THRESHOLD then s.baseline = ewma.update(s.baseline, m.count, 0.1) end
  -- The rule follows the circuit; asked again each evaluation until the guard lets it through.
  local enabled = c.state ~= "open"
  if enabled ~= ctx:param(param(rule)) then
    local why = ("%d violations/s, baseline %.1f: %s"):format(m.count, s.baseline, enabled and "calm again" or "switched off")
    ctx:set(param(rule), enabled, { reason = why })
  end
end

local params = {}
for i, rule in ipairs(RULES) do params[i] = param(rule) end

return {
  name = "rule-circuit-breaker",
  every = "1s",
  params = params,
  evaluate = function(ctx)
    for _, rule in ipairs(RULES) do watch(ctx, rule) end
  end,
}

-- error_budget_freeze: freezes risky changes — releases, feature-flag rollouts, config pushes —
-- while the service burns its error budget fast, and thaws them once the burn rate has fallen.
-- Burning fast is the SRE workbook's multi-window alert: the failure rate over both the last
-- hour and the last 5 minutes is more than 14.4 times what the SLO allows (at that pace a
-- 30-day budget lasts about two days). The long window keeps one bad minute from freezing
-- anything; the short one lets the freeze lift soon after the burning stops.
-- Controls: the parameter "release.frozen" (a bool: the deploy pipeline's halt switch).
-- Signals: http.server{service=checkout}: the failure rate over 1 h and over 5 min.
-- Trust rules: at least 1000 requests in the 5-minute window; the freeze is immediate, the
--   thaw waits for 10 evaluations in a row without a fast burn. No settling after a
--   deployment: a bad release is the most common fast burn, and the freeze stops the next one.
-- Guard settings it expects: a bool; freezing with a short cooldown, thawing with 30 s or
--   more, so a burn rate hovering at the line cannot flap releases on and off.
local budget = require "setpoint.error_budget"

local SERVICE = "checkout"
local PARAM = "release.frozen"
local SLO = 0.999
local FACTOR = 14.4
local THAW_AFTER = 10

return {
  name = "error-budget-freeze",
  every = "1s",
  params = { PARAM },
  evaluate = function(ctx)
    local short = ctx:window("http.server", { service = SERVICE }, "5m")
    local long = ctx:window("http.server", { service = SERVICE }, "1h")
    if short.count < 1000 then return end
    local frozen = ctx:param(PARAM)
    local burning = budget.burning_fast(short.error_rate, long.error_rate, { slo = SLO, factor = FACTOR })
    local why = ("burn rate %.1fx over 5 min, %.1fx over 1 h"):format(
      budget.burn_rate(short.error_rate, SLO), budget.burn_rate(long.error_rate, SLO))
    if burning then
      ctx.state.calm = 0
      if not frozen then ctx:set(PARAM, true, { reason = why .. ": freezing releases" }) end
      return
    end
    ctx.state.calm = (ctx.state.calm or 0) + 1
    if frozen and ctx.state.calm >= THAW_AFTER then
      ctx:set(PARAM, false, { reason = why .. (": under %.1fx for %d s, thawing"):format(FACTOR, ctx.state.calm) })
    end
  end,
}

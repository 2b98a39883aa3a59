-- degraded_mode: green / yellow / red for a service whose dependency fails — in yellow and red
-- it answers from a cache or a simpler path instead of failing (stale stock counts, no
-- personalisation). Bands with hysteresis: yellow from 3 % of requests failing, red from 10 %;
-- a band is left only once failures are under half its entry line (1.5 %, 5 %) — sustained.
-- Controls: the parameter "service.degradation" (0 green, 1 yellow, 2 red).
-- Signals: http.server{service=checkout} over the last 2 s: the dependency's failures are the
--   requests that failed plus those answered degraded (outcome "degraded": degraded mode hides
--   failures from users, not from this policy — otherwise it would leave as soon as it helped).
-- Trust rules: at least 100 requests in the window; a worse band after 5 evaluations in a row
--   that call for it (a single spike is not an incident), a better one after 10 (1.5 % for
--   10 s is a recovery; a dip in noise is not). No settling after a deployment: a new
--   version's failures are failures (the five evaluations already pass over a deploy's blip).
-- Guard settings it expects: bounds [0, 2]; max_step 1 each way (through yellow, not around
--   it); a cooldown of 10 s or more each way.
local SERVICE = "checkout"
local PARAM = "service.degradation"
local ENTER = { 0.03, 0.10 }  -- failure share to enter yellow (1) and red (2)
local LEAVE = 0.5             -- a band is left under this share of its entry line
local WORSE_FOR, BETTER_FOR = 5, 10

-- The band the failure share calls for from `level`: worse as soon as a line is crossed,
-- better only under half the line of the band it is in.
local function called_for(failing, level)
  local raw = 0
  for band, line in ipairs(ENTER) do if failing >= line then raw = band end end
  if raw >= level then return raw end
  if failing < ENTER[level] * LEAVE then return raw end
  return level
end

return {
  name = "degraded-mode",
  every = "1s",
  params = { PARAM },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = SERVICE }, "2s")
    if m.count < 100 then return end
    local failing = ((m.outcomes.error or 0) + (m.outcomes.degraded or 0)) / m.count
    local level = ctx:param(PARAM)
    local want = called_for(failing, level)
    local s = ctx.state
    if want == level then
      s.want, s.count = nil, 0
      return
    end
    if want == s.want then s.count = s.count + 1 else s.want, s.count = want, 1 end
    if s.count < (want > level and WORSE_FOR or BETTER_FOR) then return end
    ctx:set(PARAM, want, { reason = ("%.1f %% failing for %d evaluations"):format(failing * 100, s.count) })
  end,
}

-- adaptive_rate_limit: per-client rate limits that tighten under abuse or saturation and relax
-- slowly — one client hammering the service loses its quota, the others keep theirs.
-- Controls: the parameters "ratelimit.<client>.rps" for each client in CLIENTS (a
--   KeyedRateLimiter's per-key rate, or a gateway's per-consumer quota).
-- Signals, over the last 10 s: ratelimit.requests{client=<client>} — admitted (ok) and refused
--   over quota (rejected) — and the service's p99, http.server{service=checkout}.
-- Trust rules: at least 50 requests from a client before judging it. Abuse: asking for more
--   than twice the default quota for 3 evaluations in a row — its quota halves, down to a
--   floor. (Judged against the default, not the quota in force: a client cut to a trickle
--   that asks for its usual share is calm, not abusive, and gets its quota back.) Saturation: p99 over 300 ms — the client with the most admitted requests loses
--   20 % (one client an evaluation: the biggest share of the load goes first). Relaxing: after
--   30 calm evaluations in a row, 10 % of the default back each evaluation, up to the default.
--   Saturation is not judged for 2 minutes after a deployment of the service (a "deploy"
--   event): a warming version's latency is no reason to squeeze clients; abuse still is.
-- Guard settings it expects: bounds [floor, default]; down max_step 50 % and up 10 % of the
--   default, a few seconds' cooldown each way; a per-policy cap on changes an hour.
local deploys = require "setpoint.deploys"

local CLIENTS = { "checkout-web", "mobile", "scraper" }
local DEFAULT_RPS = 50
local FLOOR_RPS = 1
local SERVICE = "checkout"
local SATURATED_P99_MS = 300
local ABUSE = 2 * DEFAULT_RPS  -- requests a second asked for
local ABUSE_FOR, CALM_FOR = 3, 30

local function param(client) return "ratelimit." .. client .. ".rps" end

return {
  name = "adaptive-rate-limit",
  every = "1s",
  params = (function()
    local p = {}
    for i, c in ipairs(CLIENTS) do p[i] = param(c) end
    return p
  end)(),
  evaluate = function(ctx)
    local service = ctx:window("http.server", { service = SERVICE }, "10s")
    local saturated = service.count >= 50 and service.p99 ~= nil and service.p99 > SATURATED_P99_MS and
                      not deploys.settling(ctx, SERVICE, 120)
    local heaviest, most = nil, -1
    for _, client in ipairs(CLIENTS) do
      local m = ctx:window("ratelimit.requests", { client = client }, "10s")
      local s = ctx.state[client] or { abusing = 0, calm = 0 }
      ctx.state[client] = s
      local quota = ctx:param(param(client))
      local admitted = m.count - (m.outcomes.rejected or 0)
      if m.count >= 50 and m.rate > ABUSE then s.abusing = s.abusing + 1 else s.abusing = 0 end
      if s.abusing >= ABUSE_FOR and quota > FLOOR_RPS then
        s.calm = 0
        ctx:set(param(client), math.max(FLOOR_RPS, math.floor(quota / 2)),
                { reason = ("asking %.0f/s, over twice the default, for %d evaluations"):format(m.rate, s.abusing) })
      elseif s.abusing == 0 and not saturated then
        s.calm = s.calm + 1
        if s.calm >= CALM_FOR and quota < DEFAULT_RPS then
          ctx:set(param(client), math.min(DEFAULT_RPS, quota + DEFAULT_RPS / 10), { reason = ("calm for %d s"):format(s.calm) })
        end
      else
        s.calm = 0
      end
      if m.count >= 50 and admitted > most and s.abusing < ABUSE_FOR then heaviest, most = client, admitted end
    end
    if saturated and heaviest ~= nil then
      local quota = ctx:param(param(heaviest))
      if quota > FLOOR_RPS then
        ctx:set(param(heaviest), math.max(FLOOR_RPS, math.floor(quota * 0.8)),
                { reason = ("p99 %.0f ms: the heaviest client (%d admitted in 10 s) gives way"):format(service.p99, most) })
      end
    end
  end,
}

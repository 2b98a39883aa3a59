local t = require "setpoint.testing"

-- Ten seconds: the service's p99, and per client { admitted, refused }; quotas per client.
local function at(p99, traffic, quotas)
  local windows = { ["http.server{service=checkout}"] = { ["10s"] = { count = 1000, p99 = p99 } } }
  local params = {}
  for _, client in ipairs({ "checkout-web", "mobile", "scraper" }) do
    local seen = traffic[client] or { 0, 0 }
    local ok, rejected = seen[1], seen[2]
    windows["ratelimit.requests{client=" .. client .. "}"] = { ["10s"] = {
      count = ok + rejected, rate = (ok + rejected) / 10, outcomes = { ok = ok, rejected = rejected } } }
    params["ratelimit." .. client .. ".rps"] = (quotas or {})[client] or 50
  end
  return { windows = windows, params = params }
end

local abuse = { ["checkout-web"] = { 400, 0 }, mobile = { 300, 0 }, scraper = { 500, 4500 } }

t.case("a client asking for over twice the default quota, three evaluations in a row, has it halved; the others keep theirs", function()
  local policy = t.policy("adaptive_rate_limit.lua")
  t.expect_none(policy:evaluate(at(120, abuse)))
  t.expect_none(policy:evaluate(at(120, abuse)))
  local out = policy:evaluate(at(120, abuse))
  t.expect_set(out, "ratelimit.scraper.rps", 25)
  t.expect_eq(#out.proposals, 1, "proposals")
end)

t.case("saturated: the client with the most admitted requests gives 20 %", function()
  local busy = { ["checkout-web"] = { 400, 0 }, mobile = { 300, 0 }, scraper = { 100, 0 } }
  t.expect_set(t.policy("adaptive_rate_limit.lua"):evaluate(at(450, busy)), "ratelimit.checkout-web.rps", 40)
end)

t.case("relaxes by a tenth of the default after 30 calm evaluations, up to the default", function()
  local policy = t.policy("adaptive_rate_limit.lua")
  local calm = { ["checkout-web"] = { 400, 0 }, mobile = { 300, 0 }, scraper = { 40, 0 } }
  for _ = 1, 29 do t.expect_none(policy:evaluate(at(120, calm, { scraper = 12 }))) end
  t.expect_set(policy:evaluate(at(120, calm, { scraper = 12 })), "ratelimit.scraper.rps", 17)
end)

t.case("a client cut to a trickle asking for its usual share is calm, not abusive", function()
  local policy = t.policy("adaptive_rate_limit.lua")
  local usual = { ["checkout-web"] = { 400, 0 }, mobile = { 300, 0 }, scraper = { 10, 40 } }
  for _ = 1, 29 do t.expect_none(policy:evaluate(at(120, usual, { scraper = 1 }))) end
  t.expect_set(policy:evaluate(at(120, usual, { scraper = 1 })), "ratelimit.scraper.rps", 6)
end)

t.case("never below the floor; too few requests from a client: not judged", function()
  local policy = t.policy("adaptive_rate_limit.lua")
  for _ = 1, 3 do t.expect_none(policy:evaluate(at(120, abuse, { scraper = 1 }))) end
  local few = { scraper = { 10, 30 } }
  local quiet = t.policy("adaptive_rate_limit.lua")
  for _ = 1, 5 do t.expect_none(quiet:evaluate(at(120, few))) end
end)

t.case("a deployment's warm-up latency squeezes nobody", function()
  local busy = { ["checkout-web"] = { 400, 0 }, mobile = { 300, 0 }, scraper = { 100, 0 } }
  local fixture = at(450, busy)
  fixture.windows["deploy{service=checkout}"] = { ["2m"] = { count = 1 } }
  t.expect_none(t.policy("adaptive_rate_limit.lua"):evaluate(fixture))
end)

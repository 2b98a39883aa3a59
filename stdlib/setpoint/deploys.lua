-- setpoint.deploys: has the service been deployed recently? Policies that learn from latency
-- (concurrency limits, timeouts) hold still while a new version warms up — its caches cold,
-- its JIT not yet hot — rather than learn from a latency that will not last. A deployment is
-- an event of metric "deploy" with the service's label, sent by the deploy pipeline:
--   {"ts": "…", "metric": "deploy", "labels": {"service": "checkout"}}
--
--   local deploys = require "setpoint.deploys"
--   if deploys.settling(ctx, "checkout", 120) then return end   -- deployed in the last 2 min
local M = {}

function M.settling(ctx, service, seconds)
  assert(type(service) == "string", "deploys.settling: a service name")
  assert(type(seconds) == "number" and seconds > 0, "deploys.settling: how long a deployment settles, in seconds")
  return ctx:window("deploy", { service = service }, seconds).count > 0
end

return M

-- The canary scenarios' change: checkout's timeout to 600 ms, once. The rollout decides
-- whether it stays; while it runs, the guard blocks the same proposal made again.
return {
  name = "timeout-to-600",
  every = "10s",
  params = { "checkout.timeout_ms" },
  evaluate = function(ctx)
    if ctx:param("checkout.timeout_ms") ~= 600 then
      ctx:set("checkout.timeout_ms", 600, { reason = "a shorter timeout (the canary scenarios)" })
    end
  end,
}

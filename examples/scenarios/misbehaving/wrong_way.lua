-- A deliberately bad policy, for scenario 8: it raises the concurrency limit whenever p99 is
-- high — exactly the wrong way. It is not a seed policy; it exists to show the guard
-- containing one: bounds, steps, caps, and a rollback when a change makes p99 worse.
return {
  name = "wrong-way",
  every = "1s",
  params = { "service.concurrency_limit" },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = "checkout" }, "1s")
    if m.count < 20 or m.p99 == nil then return end
    if m.p99 > 250 then
      ctx:set("service.concurrency_limit", ctx:param("service.concurrency_limit") * 2, { reason = "p99 high: more room!" })
    end
  end,
}

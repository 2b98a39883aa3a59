-- Inventory's degraded mode (serve cached stock, hide the "only 2 left" badge): on when more
-- than 3 % of inventory requests fail for 2 evaluations in a row, off again only once they
-- stay under 1.5 % for 3 — so an error rate hovering around one line does not flap.
-- Signals: http.server{service=inventory} over 10 s. Trust: at least 50 requests.
-- Guard (setpoint.yaml): a bool, 10 s cooldown each way.
local hysteresis = require "setpoint.hysteresis"
return {
  name = "inventory-degraded",
  every = "2s",
  params = { "inventory.degraded" },
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = "inventory" }, "10s")
    if m.count < 50 then return end
    local on = hysteresis.update(ctx.state, "degraded", m.error_rate,
                                 { enter = 0.03, exit = 0.015, enter_for = 2, exit_for = 3 })
    if on ~= ctx:param("inventory.degraded") then
      ctx:set("inventory.degraded", on, { reason = ("errors %.1f %%"):format(m.error_rate * 100) })
    end
  end,
}

-- expect: deadline
-- Options tables are read inside the policy's run; an __index there runs under the deadline
-- (and ctx reads `reason` raw anyway, so this one only loops by its own hand).
return {
  evaluate = function(ctx)
    local opts = setmetatable({}, { __index = function() while true do end end })
    ctx:set("checkout.max_concurrency", 10, opts)
    local _ = opts.reason
  end,
}

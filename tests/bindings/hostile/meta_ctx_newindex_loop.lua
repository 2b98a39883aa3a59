-- expect: runtime ctx.state was replaced
-- A metatable the policy puts on ctx is its own business. Here it removes ctx.state (an error:
-- it is kept only as changed in place) and leaves a looping __newindex: the host sets
-- ctx.state raw on the next evaluation, so the loop never runs there (it hung the engine
-- thread while /healthz still said 200). The harness evaluates twice; the second must end.
local loop = function() while true do end end
return {
  evaluate = function(ctx)
    ctx.state = nil
    setmetatable(ctx, { __newindex = loop, __index = function(t, k) if k == "state" then loop() end end })
  end,
}

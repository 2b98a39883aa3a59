-- expect: ok
-- Values kept in ctx.state are encoded raw: __index, __pairs, __len and __tostring never run.
local loop = function() while true do end end
return {
  evaluate = function(ctx)
    ctx.state.t = setmetatable({ a = 1, b = { 2, 3 } }, { __index = loop, __newindex = loop, __len = loop, __pairs = loop, __tostring = loop })
  end,
}

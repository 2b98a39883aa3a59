-- expect: state more than 4 MiB as JSON
-- One 4 MiB string, referenced 99,000 times: 4 MiB in Lua, 400 GB written out as JSON.
return { evaluate = function(ctx)
  local s = ("x"):rep(4 * 2^20 - 64)
  local t = {}
  for i = 1, 99000 do t[i] = s end
  ctx.state.t = t
end }

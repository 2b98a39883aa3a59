-- expect: state a key that is not valid UTF-8 cannot be kept
return { evaluate = function(ctx) ctx.state["\255"] = 1 end }

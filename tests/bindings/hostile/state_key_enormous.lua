-- expect: state the key 1e+300 cannot be kept
return { evaluate = function(ctx) ctx.state.t = { [1e300] = 1 } end }

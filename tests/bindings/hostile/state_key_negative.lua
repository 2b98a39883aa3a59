-- expect: state the key -1 cannot be kept
return { evaluate = function(ctx) ctx.state.t = { [-1] = 1 } end }

-- expect: state a list with gaps cannot be kept
return { evaluate = function(ctx) ctx.state.t = { [1] = "a", [2] = "b", [4] = "d" } end }

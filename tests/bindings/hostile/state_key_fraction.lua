-- expect: state the key 1.5 cannot be kept
-- 1.5 was written over element 1.
return { evaluate = function(ctx) ctx.state.t = { 10, [1.5] = 20 } end }

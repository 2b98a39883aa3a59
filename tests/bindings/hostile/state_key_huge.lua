-- expect: state the key 1099511627776 cannot be kept
-- A list of 2^40 elements was allocated for this one key (bad_alloc).
return { evaluate = function(ctx) ctx.state.t = { [2 ^ 40] = 1 } end }

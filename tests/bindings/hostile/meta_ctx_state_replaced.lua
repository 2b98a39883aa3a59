-- expect: runtime ctx.state was replaced
-- ctx.state = {...} used to be silently ignored (the host kept the old table).
return { evaluate = function(ctx) ctx.state = { n = 1 } end }

-- expect: ok
-- A NUL inside a key is kept whole ("a\0b" was stored as "a"); the harness checks that the
-- kept state reads back to the same text.
return { evaluate = function(ctx) ctx.state["a\0b"] = 1; ctx.state.list = { "x\0y", 2 } end }

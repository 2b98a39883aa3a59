-- expect: state a table with both numbered and named keys cannot be kept
-- #t equalled the entry count here, so the old encoder took it for a list of 4 and wrote
-- past the end of its array: "double free or corruption".
return {
  evaluate = function(ctx)
    local t = { 1, 2, 3, 4 }
    t[3] = nil
    t.x = "E"
    ctx.state.t = t
  end,
}

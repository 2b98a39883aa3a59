-- expect: state a string that is not valid UTF-8 cannot be kept
return { evaluate = function(ctx) ctx.state.s = "\255" end }

-- expect: memory
return { evaluate = function() return string.rep("x", 2^30) end }

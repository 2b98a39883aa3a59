-- expect: memory
return { evaluate = function() local s = "x" while true do s = s .. s end end }

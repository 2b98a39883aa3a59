-- expect: deadline
return { evaluate = function() while true do end end }

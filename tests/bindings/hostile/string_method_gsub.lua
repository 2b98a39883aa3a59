-- expect: runtime attempt to call method 'gsub'
return { evaluate = function() return ("aaaa"):gsub("(a*)*b", "") end }

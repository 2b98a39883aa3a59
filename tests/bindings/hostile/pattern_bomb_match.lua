-- expect: runtime attempt to call field 'match'
return { evaluate = function() return string.match(string.rep("a", 40), "(a*)*b") end }

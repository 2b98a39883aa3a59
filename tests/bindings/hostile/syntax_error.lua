-- expect: syntax unexpected symbol near '}'
return { evaluate = function() if true then end }

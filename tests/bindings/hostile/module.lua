-- expect: runtime attempt to call global 'module'
return { evaluate = function() module("x") end }

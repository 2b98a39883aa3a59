-- expect: runtime attempt to call global 'require'
return { evaluate = function() return require("os") end }

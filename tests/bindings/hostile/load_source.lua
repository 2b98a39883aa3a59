-- expect: runtime attempt to call global 'load'
return { evaluate = function() load("return 1")() end }

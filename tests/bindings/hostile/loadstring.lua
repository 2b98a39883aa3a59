-- expect: runtime attempt to call global 'loadstring'
return { evaluate = function() loadstring("return os")() end }

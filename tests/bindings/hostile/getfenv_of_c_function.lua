-- expect: runtime attempt to call global 'getfenv'
return { evaluate = function() return getfenv(print or tostring) end }

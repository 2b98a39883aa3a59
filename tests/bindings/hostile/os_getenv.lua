-- expect: runtime attempt to call field 'getenv'
return { evaluate = function() return os.getenv("HOME") end }

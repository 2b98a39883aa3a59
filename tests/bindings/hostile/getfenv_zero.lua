-- expect: runtime attempt to call global 'getfenv'
-- getfenv(0) would hand back the real globals.
return { evaluate = function() return getfenv(0) end }

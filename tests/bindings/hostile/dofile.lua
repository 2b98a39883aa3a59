-- expect: runtime attempt to call global 'dofile'
return { evaluate = function() dofile("/etc/passwd") end }

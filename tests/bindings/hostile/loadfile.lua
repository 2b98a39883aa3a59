-- expect: runtime attempt to call global 'loadfile'
return { evaluate = function() loadfile("/etc/passwd") end }

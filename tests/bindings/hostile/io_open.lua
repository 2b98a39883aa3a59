-- expect: runtime attempt to index global 'io'
return { evaluate = function() return io.open("/etc/passwd") end }

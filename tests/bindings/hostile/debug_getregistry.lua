-- expect: runtime attempt to index global 'debug'
return { evaluate = function() return debug.getregistry() end }

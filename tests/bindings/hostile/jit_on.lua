-- expect: runtime attempt to index global 'jit'
return { evaluate = function() jit.on() end }

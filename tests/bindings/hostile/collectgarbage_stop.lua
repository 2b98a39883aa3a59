-- expect: runtime attempt to call global 'collectgarbage'
return { evaluate = function() collectgarbage("stop") end }

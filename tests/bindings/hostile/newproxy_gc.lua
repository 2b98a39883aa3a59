-- expect: runtime attempt to call global 'newproxy'
return { evaluate = function() local p = newproxy(true); getmetatable(p).__gc = function() while true do end end end }

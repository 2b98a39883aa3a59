-- expect: runtime attempt to index
-- The string metatable is hidden: getmetatable("") is false.
return { evaluate = function() getmetatable("").__index = { rep = function() end } end }

-- expect: refused evaluate must be a function
-- An __index that raises would have escaped every protected call (the process exited 1).
return setmetatable({}, { __index = function() error("boom") end })

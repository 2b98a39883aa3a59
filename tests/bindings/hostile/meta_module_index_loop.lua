-- expect: refused evaluate must be a function
-- The definition table's metamethods never run in the host: reading `evaluate`, `name` or
-- `every` through an __index that loops would hang the loader outside any deadline.
return setmetatable({}, { __index = function() while true do end end })

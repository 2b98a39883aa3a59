-- expect: ok
-- Metatables on the definition's own fields: params and actions are read raw, their __len and
-- __index never run; a looping __index on a field changes nothing.
local loop = function() while true do end end
return {
  name = "meta-fields",
  params = setmetatable({}, { __index = loop, __len = loop }),
  actions = setmetatable({}, { __index = loop, __len = loop }),
  evaluate = function(ctx) end,
}

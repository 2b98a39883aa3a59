-- expect: runtime attempt to call field 'dump'
return { evaluate = function() return string.dump(function() end) end }

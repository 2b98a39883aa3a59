-- expect: runtime attempt to call field 'randomseed'
return { evaluate = function() math.randomseed(1) end }

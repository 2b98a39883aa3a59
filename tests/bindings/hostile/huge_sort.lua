-- expect: runtime table.sort: more than 100000 elements
return { evaluate = function() local t = {} for i = 1, 200000 do t[i] = -i end table.sort(t) end }

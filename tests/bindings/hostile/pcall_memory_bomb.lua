-- expect: memory
-- Each string differs: identical ones would be interned once and never grow.
return { evaluate = function() local keep = {} while true do local ok, s = pcall(string.rep, "y" .. #keep, 2^20); keep[#keep + 1] = s end end }

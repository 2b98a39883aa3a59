-- expect: runtime attempt to call field 'dump'
-- string.dump is gone, so no bytecode can be made in the sandbox to feed a loader.
return { evaluate = function() local s = string; string = nil; return s.dump(function() end) end }

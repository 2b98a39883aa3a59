-- expect: runtime attempt to index global 'ffi'
return { evaluate = function() return ffi.C end }

-- expect: runtime attempt to index global 'package'
return { evaluate = function() return package.loaded.os end }

-- expect: runtime error object is not a string
return { evaluate = function() error({ code = 1 }) end }

-- expect: runtime attempt to call global 'setfenv'
return { evaluate = function() setfenv(1, {}) end }

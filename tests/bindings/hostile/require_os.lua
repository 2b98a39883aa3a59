-- expect: runtime require: no module os (only the setpoint.* stdlib can be required)
return { evaluate = function() return require("os") end }

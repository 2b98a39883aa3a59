-- expect: deadline
return { evaluate = function()
  while true do pcall(coroutine.wrap(function() while true do coroutine.yield() end end)) end
end }

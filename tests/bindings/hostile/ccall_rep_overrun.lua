-- expect: deadline
-- Building large strings again and again: each string.rep is one instruction of milliseconds.
return {
  evaluate = function()
    while true do local _ = string.rep("ab", 3 * 2 ^ 20) end
  end,
}

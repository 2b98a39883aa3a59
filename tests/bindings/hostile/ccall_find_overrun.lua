-- expect: deadline
-- A search through megabytes is one VM instruction: the count hook alone let this run 4.39 s
-- past a 50 ms deadline. plain find charges what it scans and stops at the deadline.
return {
  evaluate = function()
    local hay = string.rep("a", 7 * 2 ^ 20)
    local needle = string.rep("a", 99) .. "b"
    while true do string.find(hay, needle, 1, true) end
  end,
}

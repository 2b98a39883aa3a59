-- expect: deadline
-- A C function that charges nothing (string.upper of 3 MiB, a few ms each): the wall-clock
-- watchdog makes the hook fire at the next instruction once the deadline has passed.
return {
  evaluate = function()
    local s = string.rep("a", 3 * 2 ^ 20)
    while true do local _ = s:upper() end
  end,
}

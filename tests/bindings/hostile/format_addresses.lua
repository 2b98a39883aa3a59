-- expect: ok
-- string.format's %s of a table, %p of anything and %q of a function printed heap addresses:
-- what an attacker of the host's memory needs first. They print what tostring prints.
return {
  evaluate = function(ctx)
    local co = coroutine.create(function() end)
    local f = function() end
    ctx:log(string.format("%s %s %s %s", {}, f, co, setmetatable({}, { __tostring = function() return "0x1234567890" end })))
    ctx:log(("%p %p %p %p"):format({}, f, "text", 5))
    ctx:log(string.format("%q %q %10s|%-8p|", f, {}, {}, {}))
    ctx:log(string.format("%s %d %5.1f %%", true, 3, 2.25))
  end,
}

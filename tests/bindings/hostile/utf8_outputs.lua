-- expect: ok
-- Bytes that are not UTF-8, newlines and ANSI escapes in everything a policy says: log lines,
-- alerts, targets, reasons, action arguments. Each comes out as one printable line.
return {
  evaluate = function(ctx)
    ctx:log("\255 log\n2026-11-24 [info] forged line \27[2J")
    ctx:alert("alert \255\r\n")
    ctx:set("param\255\n", 1, { reason = "reason \255\n\27[31mred" })
    ctx:act("action\255", { ["arg\255"] = "value\255\n" }, { reason = "\194\155CSI" })
    ctx:window("metric\255", { ["label\255"] = "value\255" }, "1m")
  end,
}

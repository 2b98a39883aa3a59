-- expect: runtime bad
-- An error carrying a byte that is not UTF-8 aborted the daemon at its first evaluation (the
-- status view's JSON writer threw), and again on every restart.
return { evaluate = function() error("bad \255 byte\n\27[31m forged line") end }

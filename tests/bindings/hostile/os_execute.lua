-- expect: runtime attempt to call field 'execute'
return { evaluate = function() os.execute("touch /tmp/pwned") end }

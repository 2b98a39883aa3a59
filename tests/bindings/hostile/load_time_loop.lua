-- expect: deadline
-- The chunk itself runs under the deadline too.
while true do end

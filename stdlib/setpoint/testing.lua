-- setpoint.testing: tests for policies, in `*_test.lua` files run by `setpoint test`.
--
--   local t = require "setpoint.testing"
--   local policy = t.policy("checkout_concurrency.lua")   -- a fresh instance, beside this file
--
--   t.case("cuts the limit when p99 is high", function()
--     local out = policy:evaluate({
--       now = "2026-11-20T10:00:00Z",
--       windows = { ["http.server{service=checkout}"] = { ["1m"] = { count = 1200, p99 = 412 } } },
--       params = { ["checkout.max_concurrency"] = 100 },
--     })
--     t.expect_set(out, "checkout.max_concurrency", 90)
--   end)
--
-- An instance keeps its ctx.state from one evaluate to the next, so a case can step several
-- evaluations; `now` (RFC 3339 or epoch seconds) is the manual clock. evaluate returns
-- { proposals = {…}, alerts = {…}, logs = {…}, state = {…} }, or raises the policy's error.
-- Failures name this file's line.
local host = assert(_SETPOINT_TEST_HOST, "setpoint.testing runs under `setpoint test`")
local M = { cases = {} }

local Instance = {}
Instance.__index = Instance

function M.policy(path)
  return setmetatable({ handle = host.load(path), path = path }, Instance)
end

function Instance:evaluate(fixture)
  return host.evaluate(self.handle, fixture or {})
end

function M.case(name, fn)
  assert(type(name) == "string" and type(fn) == "function", "t.case(name, function)")
  M.cases[#M.cases + 1] = { name = name, fn = fn }
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

function M.expect_eq(actual, expected, what)
  if actual ~= expected then
    error((what or "value") .. ": expected " .. show(expected) .. ", got " .. show(actual), 2)
  end
end

function M.expect_near(actual, expected, tolerance, what)
  if type(actual) ~= "number" or math.abs(actual - expected) > (tolerance or 1e-9) then
    error((what or "value") .. ": expected " .. show(expected) .. " ± " .. show(tolerance or 1e-9) .. ", got " .. show(actual), 2)
  end
end

-- The proposal to set `target`, checked against `value` (within `tolerance` for numbers).
function M.expect_set(out, target, value, tolerance)
  for _, p in ipairs(out.proposals) do
    if p.kind == "set" and p.target == target then
      if type(value) == "number" then
        if math.abs(p.value - value) > (tolerance or 1e-9) then
          error("set " .. target .. ": expected " .. show(value) .. ", got " .. show(p.value), 2)
        end
      elseif p.value ~= value then
        error("set " .. target .. ": expected " .. show(value) .. ", got " .. show(p.value), 2)
      end
      return p
    end
  end
  error("no proposal sets " .. target .. " (" .. #out.proposals .. " proposals)", 2)
end

function M.expect_act(out, action)
  for _, p in ipairs(out.proposals) do
    if p.kind == "act" and p.target == action then return p end
  end
  error("no proposal acts " .. action, 2)
end

function M.expect_none(out)
  if #out.proposals > 0 then
    error("expected no proposals, got " .. #out.proposals .. " (the first for " .. out.proposals[1].target .. ")", 2)
  end
end

-- Runs every case; `report(name, ok, message)` hears of each.
function M.run(report)
  for _, c in ipairs(M.cases) do
    local ok, err = pcall(c.fn)
    report(c.name, ok, ok and "" or tostring(err))
  end
end

return M

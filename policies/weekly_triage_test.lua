local t = require "setpoint.testing"

local NOW = 1795917600  -- 2026-11-29T02:00:00Z, a Sunday
local DAY = 86400
local LIMIT, TIMEOUT, RETRIES = "checkout.max_concurrency", "checkout.timeout_ms", "checkout.retries"

-- A week with a known count of each failure, newest first as the store answers:
--   3 changes of the limit rolled back by its verification (to 150 from 180, 200, 220)
--   the timeout flapping: up, down, up, down a minute apart (3 reversals)
--   aimd failing 4 times, then quarantined; 2 blocks for cooldown, 1 for a pause
--   retries held at the operating maximum twice (under the threshold)
--   1 canary of the timeout rolled back (600 against 800)
--   1 target changed by hand, 1 drift-monitor trip
--   and, 8 days back, a rollback outside the week
local function seeded_week()
  local at = function(days, s) return NOW - days * DAY + (s or 0) end
  local decisions = {
    { id = 300, at = at(1), parameter = RETRIES, kind = "set", verdict = "clamp",
      verdict_reason = "operating_bounds", outcome = "applied", proposed = 9, current = 4, value = 6 },
    { id = 299, at = at(1, -60), parameter = RETRIES, kind = "set", verdict = "clamp",
      verdict_reason = "operating_bounds", outcome = "applied", proposed = 8, current = 5, value = 6 },
    { id = 250, at = at(2), parameter = LIMIT, kind = "set", verdict = "block",
      verdict_reason = "cooldown", outcome = "blocked", proposed = 160, current = 150 },
    { id = 249, at = at(2, -10), parameter = LIMIT, kind = "set", verdict = "block",
      verdict_reason = "cooldown", outcome = "blocked", proposed = 160, current = 150 },
    { id = 248, at = at(2, -20), parameter = TIMEOUT, kind = "set", verdict = "block",
      verdict_reason = "paused", outcome = "blocked", proposed = 900, current = 800 },
    { id = 204, at = at(3, 180), parameter = TIMEOUT, kind = "set", verdict = "allow",
      outcome = "applied", current = 900, value = 800 },
    { id = 203, at = at(3, 120), parameter = TIMEOUT, kind = "set", verdict = "allow",
      outcome = "applied", current = 800, value = 900 },
    { id = 202, at = at(3, 60), parameter = TIMEOUT, kind = "set", verdict = "allow",
      outcome = "applied", current = 900, value = 800 },
    { id = 201, at = at(3), parameter = TIMEOUT, kind = "set", verdict = "allow",
      outcome = "applied", current = 800, value = 900 },
    { id = 103, at = at(4), policy = "setpoint:verify", parameter = LIMIT, kind = "set",
      verdict = "allow", outcome = "rolled back", current = 220, value = 150 },
    { id = 102, at = at(5), policy = "setpoint:verify", parameter = LIMIT, kind = "set",
      verdict = "allow", outcome = "rolled back", current = 200, value = 150 },
    { id = 101, at = at(6), policy = "setpoint:verify", parameter = LIMIT, kind = "set",
      verdict = "allow", outcome = "rolled back", current = 180, value = 150 },
  }
  local incidents = {
    { at = at(0.5), kind = "autopilot_drift", target = "autopilot", detail = "predictions 40 % off",
      ref = 9, count = 1 },
    { at = at(1.5), kind = "drift", target = LIMIT, detail = "changed by hand", ref = 8, count = 1 },
    { at = at(2.5), kind = "quarantine", target = "aimd", policy = "aimd",
      detail = "quarantined after 3 failures", ref = 7, count = 1 },
    { at = at(2.6), kind = "policy_error", target = "aimd", policy = "aimd",
      detail = "aimd.lua:12: attempt to index nil", ref = 6, count = 4 },
    { at = at(4), kind = "rollback", target = LIMIT, policy = "setpoint:verify",
      detail = "p99 worse by 31 %", ref = 103, count = 1 },
    { at = at(5), kind = "rollback", target = LIMIT, policy = "setpoint:verify",
      detail = "p99 worse by 25 %", ref = 102, count = 1 },
    { at = at(6), kind = "rollback", target = LIMIT, policy = "setpoint:verify",
      detail = "p99 worse by 22 %", ref = 101, count = 1 },
    { at = at(8), kind = "rollback", target = LIMIT, policy = "setpoint:verify",
      detail = "last week's", ref = 50, count = 1 },
  }
  local rollouts = {
    { id = TIMEOUT .. "@2026-11-26", parameter = TIMEOUT, status = "rolled_back",
      started_at = at(3.1), completed_at = at(3, -600), baseline = 800, canary = 600,
      decision = 190, reason = "fail at look 3: p99 652 vs 556" },
    { id = LIMIT .. "@2026-11-25", parameter = LIMIT, status = "promoted",
      started_at = at(4.2), completed_at = at(4.1), baseline = 140, canary = 150, decision = 180,
      reason = "passed every look" },
  }
  return {
    now = NOW,
    period = "7d",
    params = { [LIMIT] = 150, [TIMEOUT] = 800, [RETRIES] = 6 },
    bounds = {
      [LIMIT] = { min = 10, max = 500, operating = { min = 50, max = 300 } },
      [TIMEOUT] = { min = 100, max = 5000 },
      [RETRIES] = { min = 0, max = 10, operating = { min = 1, max = 6 } },
    },
    records = { decisions = decisions, incidents = incidents, rollouts = rollouts },
  }
end

local function patch_for(out, parameter)
  for _, p in ipairs(out.proposals) do
    if p.kind == "bounds" and p.target == parameter then return p end
  end
end

t.case("a seeded week is counted exactly, category by category", function()
  local out = t.policy("weekly_triage.lua"):evaluate(seeded_week())
  local c = out.report.categories
  t.expect_eq(c.performance_degradation.count, 3, "performance degradation")
  t.expect_eq(c.performance_degradation.parameters[LIMIT], 3, "degradations of the limit")
  t.expect_eq(c.stability.count, 3, "stability: 3 reversals of the timeout")
  t.expect_eq(c.stability.parameters[TIMEOUT], 3, "the timeout's flapping")
  t.expect_eq(c.validation_failures.count, 8, "validation: 4 errors, 1 quarantine, 3 blocks")
  t.expect_eq(c.validation_failures.by_reason.cooldown, 2, "blocks for cooldown")
  t.expect_eq(c.validation_failures.by_reason.paused, 1, "blocks for a pause")
  t.expect_eq(c.validation_failures.policy_errors.aimd, 5, "aimd's errors and quarantine")
  t.expect_eq(c.canary_rollbacks.count, 1, "canary rollbacks (a promoted one is not)")
  t.expect_eq(c.canary_rollbacks.parameters[TIMEOUT], 1, "the timeout's canary")
  t.expect_eq(c.drift_detection.count, 2, "drift: by hand, and the monitor")
  t.expect_eq(c.drift_detection.parameters[LIMIT], 1, "the limit changed by hand")
  t.expect_eq(#c.performance_degradation.instances, 3, "instances listed")
  t.expect_eq(out.report.summary, "17 failures in 7 days: 3 performance degradation, "
    .. "3 stability, 8 validation failures, 1 canary rollbacks, 2 drift detection. "
    .. "2 bounds patches proposed (threshold 3).")
  t.expect_eq(out.report.threshold, 3)
end)

t.case("patches only where a category recurs 3 times for a parameter", function()
  local out = t.policy("weekly_triage.lua"):evaluate(seeded_week())
  t.expect_eq(#out.proposals, 2, "patches: the limit and the timeout, not the retries")
  -- Halfway from 150 to the nearest bad value (180): the limit stays below 165.
  local limit = patch_for(out, LIMIT)
  t.expect_eq(limit.min, 50, "the limit's min stays")
  t.expect_eq(limit.max, 165, "the limit's max")
  t.expect_eq(limit.confidence, 0.5)
  t.expect_eq(limit.reason, "3 changes made things worse and were rolled back (0 by a canary); "
    .. "the range keeps it halfway from the values that failed")
  -- The timeout's range narrows by 25 % around 800 inside its hard bounds [100, 5000].
  local timeout = patch_for(out, TIMEOUT)
  t.expect_eq(timeout.min, 275)
  t.expect_eq(timeout.max, 3950)
  t.expect_eq(patch_for(out, RETRIES), nil, "retries held twice: under the threshold")
end)

t.case("a third hold at the operating maximum widens that side, inside the hard bound", function()
  local week = seeded_week()
  table.insert(week.records.decisions, 1, { id = 301, at = NOW - 100, parameter = RETRIES,
    kind = "set", verdict = "clamp", verdict_reason = "operating_bounds", outcome = "applied",
    proposed = 10, current = 6, value = 6 })
  local p = patch_for(t.policy("weekly_triage.lua"):evaluate(week), RETRIES)
  t.expect_eq(p.min, 1)
  t.expect_eq(p.max, 6.5, "6 + 10 % of the width 5")
end)

t.case("the worst incidents come first, with the decisions they name", function()
  local out = t.policy("weekly_triage.lua"):evaluate(seeded_week())
  local w = out.report.worst
  t.expect_eq(#w, 8, "8 incidents of a severity within the week")
  t.expect_eq(w[1].kind, "canary_rollback")
  t.expect_eq(w[1].decision, 190)
  t.expect_eq(w[2].kind, "rollback")
  t.expect_eq(w[2].decision, 103, "the newest rollback first among equals")
  t.expect_eq(w[5].kind, "quarantine")
end)

t.case("a quiet week: no failures, no patches, a short summary", function()
  local out = t.policy("weekly_triage.lua"):evaluate({ now = NOW, period = "7d",
    records = { decisions = {}, incidents = {}, rollouts = {} } })
  t.expect_eq(#out.proposals, 0)
  t.expect_eq(out.report.summary, "Nothing went wrong in 7 days.")
end)

t.case("without a store the reads are nil: the report says nothing went wrong", function()
  local out = t.policy("weekly_triage.lua"):evaluate({ now = NOW, period = "7d" })
  t.expect_eq(out.report.summary, "Nothing went wrong in 7 days.")
end)

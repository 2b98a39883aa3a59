-- weekly_triage: the post-incident review. Once a week it reads what went wrong in the last
-- 7 days from the engine's own record, sorts it into five categories, writes a report
-- (`setpoint triage`, /v1/triage, the dashboard) and, where a category recurs for a parameter
-- FAILURE_THRESHOLD_FOR_PATCH times, suggests new operating bounds for it. A suggestion is
-- only ever a proposal: a person approves or rejects it (`setpoint approve ID`); no mode lets
-- it apply itself, and it can never cross the parameter's hard bounds.
-- The categories, and what counts toward a parameter's patch:
--   performance_degradation  a change made a KPI worse and was rolled back for it (a
--                            verification, or an autopilot impact check): the patch keeps the
--                            parameter on the good side of halfway to the bad value
--   stability                flapping (an applied change reversing the one before within
--                            FLAP_WINDOW) and rollbacks an operator had to make: the patch
--                            narrows the range by NARROW around the current value
--   validation_failures      policy errors and quarantines (per policy), and guard blocks by
--                            reason; a parameter's proposals held at its operating bound count
--                            toward a patch that widens that side by WIDEN (never past the
--                            hard bound)
--   canary_rollbacks         rollouts rolled back: the patch keeps it halfway from the failed
--                            canary value, as for a degradation
--   drift_detection          targets changed by hand, the autopilot's drift monitor: reported,
--                            never patched (a person moving a value is not a bound to learn)
-- Reads: ctx:incidents, ctx:decisions and ctx:rollouts over ctx:period(), each bounded; a read
--   that came back full is said in the summary (the counts are then of its newest records).
-- A triage policy's CPU deadline is 5 s (policies.overrides.weekly_triage.cpu to change it).
local FAILURE_THRESHOLD_FOR_PATCH = 3
local FLAP_WINDOW = 600  -- seconds
local NARROW, WIDEN = 0.25, 0.10
local MAX_INSTANCES, MAX_WORST = 20, 10
local READS = { decisions = 5000, incidents = 2000, rollouts = 500 }

-- How bad an incident is, for the worst list: a canary or a change rolled back first.
local SEVERITY = { canary_rollback = 5, rollback = 4, actuation_failed = 3, quarantine = 3,
                   drift = 2, policy_error = 2, autopilot_drift = 2 }

local ROUTINE_BLOCKS = { deadband = true, no_change = true }
local CATEGORIES = { "performance_degradation", "stability", "validation_failures",
                     "canary_rollbacks", "drift_detection" }
local SAID = { performance_degradation = "performance degradation", stability = "stability",
               validation_failures = "validation failures", canary_rollbacks = "canary rollbacks",
               drift_detection = "drift detection" }

local function new_categories()
  local c = {}
  for _, name in ipairs(CATEGORIES) do
    c[name] = { count = 0, parameters = {}, instances = {} }
  end
  c.validation_failures.by_reason = {}
  c.validation_failures.policy_errors = {}
  return c
end

-- One instance counted in a category, for a parameter when it has one.
local function count(category, parameter, instance, n)
  n = n or 1
  category.count = category.count + n
  if parameter then category.parameters[parameter] = (category.parameters[parameter] or 0) + n end
  if instance and #category.instances < MAX_INSTANCES then
    category.instances[#category.instances + 1] = instance
  end
end

local function instance(at, kind, target, detail, ref)
  return { at = at, kind = kind, target = target, detail = detail, ref = ref }
end

local function round(x) return math.floor(x * 100 + 0.5) / 100 end

-- Rollbacks, failures, drift and alerts from ctx:incidents; the worst are kept for the report.
local function read_incidents(ctx, from, cats, pairs_by_parameter, worst)
  local incidents = ctx:incidents{ since = from, limit = READS.incidents } or {}
  for _, i in ipairs(incidents) do
    local kind, target = i.kind, i.target
    local item = instance(i.at, kind, target, i.detail, i.ref)
    if kind == "rollback" then
      if i.policy == "setpoint:verify" or i.policy == "setpoint:autopilot" then
        count(cats.performance_degradation, target, item)
        pairs_by_parameter[#pairs_by_parameter + 1] = { parameter = target, ref = i.ref }
      else
        count(cats.stability, target, item)
      end
    elseif kind == "canary_rollback" then
      -- counted from ctx:rollouts, which has the values
    elseif kind == "drift" or kind == "autopilot_drift" then
      count(cats.drift_detection, kind == "drift" and target or nil, item)
    elseif kind == "policy_error" or kind == "quarantine" then
      local errors = cats.validation_failures.policy_errors
      errors[target] = (errors[target] or 0) + (i.count or 1)
      count(cats.validation_failures, nil, item, i.count or 1)
    end
    if SEVERITY[kind] and kind ~= "canary_rollback" then
      worst[#worst + 1] = { at = i.at, kind = kind, target = target, detail = i.detail,
                            -- a rollback's or a failure's ref is its decision; others' are not
                            decision = (kind == "rollback" or kind == "actuation_failed") and
                              type(i.ref) == "number" and i.ref or nil,
                            severity = SEVERITY[kind] }
    end
  end
  return #incidents >= READS.incidents
end

-- Guard blocks by reason, held-at-bound proposals, and flapping, from ctx:decisions.
local function read_decisions(ctx, from, cats, by_id, held)
  local decisions = ctx:decisions{ since = from, limit = READS.decisions } or {}
  local moves = {}  -- per parameter, the applied changes oldest first
  for n = #decisions, 1, -1 do  -- newest first as read: walked oldest first
    local d = decisions[n]
    by_id[d.id] = d
    -- A block is a failure when the guard refused something; a deadband is a change too small
    -- to make, which is no failure of anything.
    if d.verdict == "block" and d.kind ~= "bounds" and not ROUTINE_BLOCKS[d.verdict_reason] then
      local r = cats.validation_failures.by_reason
      r[d.verdict_reason] = (r[d.verdict_reason] or 0) + 1
      count(cats.validation_failures, nil, nil)
    end
    if d.verdict_reason == "operating_bounds" or d.verdict_reason == "patched_bounds" then
      local side = (d.proposed or 0) > (d.value or 0) and "max" or "min"
      held[d.parameter] = held[d.parameter] or { min = 0, max = 0 }
      held[d.parameter][side] = held[d.parameter][side] + 1
    end
    -- Only changes made: a dry run's or observe mode's would-be values turned nothing around.
    if d.kind == "set" and d.outcome == "applied" and d.value and
        d.current and d.value ~= d.current then
      local list = moves[d.parameter] or {}
      moves[d.parameter] = list
      list[#list + 1] = { at = d.at, up = d.value > d.current, id = d.id }
    end
  end
  for parameter, list in pairs(moves) do
    for k = 2, #list do
      local a, b = list[k - 1], list[k]
      if a.up ~= b.up and b.at - a.at <= FLAP_WINDOW then
        count(cats.stability, parameter,
              instance(b.at, "flapping", parameter,
                       string.format("reversed a change made %ds before", math.floor(b.at - a.at)),
                       b.id))
      end
    end
  end
  return #decisions >= READS.decisions
end

-- Canaries rolled back, with the values each side had.
local function read_rollouts(ctx, from, cats, bad_values, worst)
  local rollouts = ctx:rollouts{ since = from, limit = READS.rollouts } or {}
  for _, r in ipairs(rollouts) do
    if r.status == "rolled_back" then
      count(cats.canary_rollbacks, r.parameter,
            instance(r.completed_at or r.started_at, "canary_rollback", r.parameter, r.reason, r.id))
      local list = bad_values[r.parameter] or {}
      bad_values[r.parameter] = list
      list[#list + 1] = { good = r.baseline, bad = r.canary }
      worst[#worst + 1] = { at = r.completed_at or r.started_at, kind = "canary_rollback",
                            target = r.parameter, detail = r.reason, decision = r.decision,
                            severity = SEVERITY.canary_rollback }
    end
  end
  return #rollouts >= READS.rollouts
end

-- Away from the bad values: each pulls the bound on its side to halfway from the good one.
local function away_from(lo, hi, pairs_)
  for _, p in ipairs(pairs_) do
    local halfway = (p.good + p.bad) / 2
    if p.bad > p.good then hi = math.min(hi, halfway) else lo = math.max(lo, halfway) end
  end
  return lo, hi
end

-- One patch per parameter, from the category that recurred the most serious way.
local function suggest(ctx, cats, bad_values, held)
  local suggested = 0
  local parameters = {}
  for _, name in ipairs(CATEGORIES) do
    for parameter in pairs(cats[name].parameters) do parameters[parameter] = true end
  end
  for parameter in pairs(held) do parameters[parameter] = true end
  local names = {}
  for parameter in pairs(parameters) do names[#names + 1] = parameter end
  table.sort(names)  -- the same week gives the same proposals in the same order
  for _, parameter in ipairs(names) do
    local ok, b = pcall(ctx.bounds, ctx, parameter)
    if ok and b then
      local lo = b.operating and b.operating.min or b.min
      local hi = b.operating and b.operating.max or b.max
      local n_perf = (cats.performance_degradation.parameters[parameter] or 0) +
                     (cats.canary_rollbacks.parameters[parameter] or 0)
      local n_stab = cats.stability.parameters[parameter] or 0
      local h = held[parameter] or { min = 0, max = 0 }
      local new_lo, new_hi, n, why
      if n_perf >= FAILURE_THRESHOLD_FOR_PATCH and bad_values[parameter] then
        new_lo, new_hi = away_from(lo, hi, bad_values[parameter])
        n = n_perf
        why = string.format("%d changes made things worse and were rolled back (%d by a "
                            .. "canary); the range keeps it halfway from the values that failed",
                            n_perf, cats.canary_rollbacks.parameters[parameter] or 0)
      elseif n_stab >= FAILURE_THRESHOLD_FOR_PATCH then
        local v = math.min(math.max(b.value, lo), hi)
        new_lo, new_hi = v - (v - lo) * (1 - NARROW), v + (hi - v) * (1 - NARROW)
        n = n_stab
        why = string.format("%d stability incidents (flapping, operator rollbacks); the range "
                            .. "narrows by %d%% around its value %g", n_stab, NARROW * 100, b.value)
      elseif math.max(h.min, h.max) >= FAILURE_THRESHOLD_FOR_PATCH then
        local width = hi - lo
        if h.max >= h.min then
          new_lo, new_hi = lo, math.min(b.max, hi + width * WIDEN)
        else
          new_lo, new_hi = math.max(b.min, lo - width * WIDEN), hi
        end
        n = math.max(h.min, h.max)
        why = string.format("%d proposals were held at its operating %s; the range widens that "
                            .. "side by %d%% (inside the hard bounds)", n,
                            h.max >= h.min and "maximum" or "minimum", WIDEN * 100)
      end
      if n then
        new_lo, new_hi = round(new_lo), round(new_hi)
        if new_lo < new_hi and (new_lo ~= lo or new_hi ~= hi) then
          local confidence = math.min(0.95, 0.5 + 0.1 * (n - FAILURE_THRESHOLD_FOR_PATCH))
          ctx:suggest_bounds(parameter, { new_lo, new_hi },
                             { rationale = why, confidence = confidence })
          suggested = suggested + 1
        end
      end
    end
  end
  return suggested
end

local function worst_of(worst)
  table.sort(worst, function(a, b)
    if a.severity ~= b.severity then return a.severity > b.severity end
    return a.at > b.at
  end)
  local out = {}
  for k = 1, math.min(#worst, MAX_WORST) do
    local w = worst[k]
    out[k] = { at = w.at, kind = w.kind, target = w.target, detail = w.detail,
               decision = w.decision }
  end
  return out
end

return {
  name = "weekly_triage",
  schedule = "weekly sun 02:00",
  triage = { window = "7d" },
  evaluate = function(ctx)
    local from, to = ctx:period()
    local cats = new_categories()
    local pairs_by_parameter, bad_values, by_id, held, worst = {}, {}, {}, {}, {}
    local full = {}
    if read_incidents(ctx, from, cats, pairs_by_parameter, worst) then full[#full + 1] = "incidents" end
    if read_decisions(ctx, from, cats, by_id, held) then full[#full + 1] = "decisions" end
    if read_rollouts(ctx, from, cats, bad_values, worst) then full[#full + 1] = "rollouts" end
    -- A degradation's rollback decision says the value it left (bad) and the one it restored.
    for _, p in ipairs(pairs_by_parameter) do
      local d = by_id[p.ref]
      if d and d.current and d.value then
        local list = bad_values[p.parameter] or {}
        bad_values[p.parameter] = list
        list[#list + 1] = { good = d.value, bad = d.current }
      end
    end
    local patches = suggest(ctx, cats, bad_values, held)
    local total, parts = 0, {}
    for _, name in ipairs(CATEGORIES) do
      total = total + cats[name].count
      if cats[name].count > 0 then
        parts[#parts + 1] = string.format("%d %s", cats[name].count, SAID[name])
      end
    end
    local summary = total == 0 and string.format("Nothing went wrong in %d days.", math.floor((to - from) / 86400 + 0.5))
      or string.format("%d failures in %d days: %s. %d bounds patch%s proposed (threshold %d).",
                       total, math.floor((to - from) / 86400 + 0.5), table.concat(parts, ", "),
                       patches, patches == 1 and "" or "es", FAILURE_THRESHOLD_FOR_PATCH)
    if #full > 0 then
      summary = summary .. " Read limit reached for " .. table.concat(full, ", ")
                .. ": the counts are of the newest records."
    end
    ctx:report{
      summary = summary,
      threshold = FAILURE_THRESHOLD_FOR_PATCH,
      categories = cats,
      worst = worst_of(worst),
    }
  end,
}

// The reference policy of the design: read one window and a parameter, propose one change.
extern const char* const kReferenceAimd;
const char* const kReferenceAimd = R"(
local function aimd(limit, congested) if congested then return limit * 0.9 else return limit + 1 end end
return {
  name = "checkout-concurrency",
  every = "5s",
  evaluate = function(ctx)
    local m = ctx:window("http.server", { service = "checkout" }, "1m")
    if m.count < 100 then return end
    local limit = ctx:param("checkout.max_concurrency")
    ctx:set("checkout.max_concurrency", aimd(limit, m.p99 > 250 or m.error_rate > 0.02),
            { reason = "p99 high" })
  end,
})";

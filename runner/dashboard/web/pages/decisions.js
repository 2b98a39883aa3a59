// Decisions: a live timeline. The newest from /v1/decisions, then every decision as it happens
// from the server-sent stream (one long answer, not a poll); filtered by policy, parameter and
// verdict; a row opens the whole record: the evidence, the guard's sentence, the expected
// impact and, for an autopilot change, the impact measured.
import { el, show, table, when, num } from "../dom.js";

const MAX_ROWS = 500;

function matches(d, f) {
  return (!f.policy || d.policy === f.policy) && (!f.target || d.target === f.target) &&
         (!f.verdict || d.verdict === f.verdict);
}

function what(d) {
  if (d.kind === "bounds" && d.bounds) return "bounds [" + num(d.bounds.min) + ", " + num(d.bounds.max) + "]";
  if (d.kind === "act") return "run " + JSON.stringify(d.args || {});
  return num(d.current) + " → " + num(d.value);
}

export default async function decisions({ main, api }) {
  const f = { policy: "", target: "", verdict: "" };
  const input = (key, label) => {
    const i = el("input", { placeholder: label, "aria-label": label, id: "filter-" + key });
    i.addEventListener("change", () => { f[key] = i.value.trim(); load(); });
    return i;
  };
  const verdict = el("select", { "aria-label": "verdict", id: "filter-verdict" },
                     ["", "allow", "clamp", "block"].map((v) => el("option", { value: v }, v || "any verdict")));
  verdict.addEventListener("change", () => { f.verdict = verdict.value; load(); });
  const status = el("span", { class: "muted", id: "live" }, "connecting…");
  const list = el("div", { id: "timeline" });
  const detail = el("div", { id: "detail" });
  show(main, el("h2", {}, "Decisions"),
       el("div", { class: "filters" }, input("policy", "policy"), input("target", "parameter"), verdict, status),
       detail, list);

  let rows = [];  // newest first
  const render = () => {
    show(list, table(["id", "at", "policy", "target", "change", "verdict", "outcome", "reason"],
      rows.map((d) => [String(d.id), when(d.at), d.policy, d.target, what(d),
                       el("span", { class: d.verdict }, d.verdict + (d.verdict_reason && d.verdict_reason !== "ok" ? ": " + d.verdict_reason : "")),
                       d.outcome || "applying", d.reason || "–"]),
      { onrow: (i) => open(rows[i]), classes: [, "hide-narrow", "hide-narrow", , , , , "hide-narrow"] }));
  };
  const open = async (d) => {
    const parts = [el("h2", {}, "Decision " + d.id),
      el("p", {}, d.explain || ""),
      el("p", {}, "Outcome: " + (d.outcome || "applying") + (d.detail ? " — " + d.detail : "")),
      el("p", {}, "Mode: " + d.mode + " · policy version " + (d.policy_version || "").slice(0, 12))];
    if (d.expected) parts.push(el("p", {}, "Expected: " + d.expected.stat + " of " + d.expected.series + " " +
      (d.expected.change >= 0 ? "+" : "") + num(d.expected.change * 100) + " %" +
      (d.confidence !== undefined ? ", confidence " + num(d.confidence) : "")));
    if (d.cycle) {
      const c = await api.get("/v1/autopilot/cycles?limit=100");
      const impact = c.ok ? c.data.flatMap((x) => x.impacts || []).find((i) => i.decision === d.id) : null;
      parts.push(el("p", {}, impact ? "Measured: " + impact.detail : "Measured: not yet"));
    }
    parts.push(el("h2", {}, "Evidence"), el("pre", {}, JSON.stringify(d.evidence || {}, null, 1)),
               el("button", { onclick: () => detail.replaceChildren() }, "Close"));
    detail.replaceChildren(el("div", { class: "card" }, parts));
  };
  const upsert = (d) => {
    if (!matches(d, f)) return;
    const at = rows.findIndex((r) => r.id === d.id);
    if (at >= 0) rows[at] = d; else rows.unshift(d);
    if (rows.length > MAX_ROWS) rows.length = MAX_ROWS;
    render();
  };
  const load = async () => {
    const q = new URLSearchParams({ limit: "200" });
    if (f.policy) q.set("policy", f.policy);
    if (f.target) q.set("target", f.target);
    if (f.verdict) q.set("verdict", f.verdict);
    const r = await api.get("/v1/decisions?" + q);
    if (!r.ok) return show(list, el("p", { class: "bad" }, r.error));
    rows = r.data;
    render();
  };
  await load();
  const stop = new AbortController();
  api.follow("/v1/decisions/stream", (event, data) => {
    status.textContent = "live";
    if (event === "missed") return load();
    if (event !== "message") return;
    try { upsert(JSON.parse(data)); } catch { /* not a record */ }
  }, stop.signal);
  return { stop: () => stop.abort() };
}

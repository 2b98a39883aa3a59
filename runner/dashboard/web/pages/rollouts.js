// Rollouts: each canary's step and weight, the judge's last verdict, and its figures per KPI
// for each cohort (baseline and canary side by side, with the counts the judge had).
import { el, show, table, num } from "../dom.js";

// The judge's last look as a table: one row per KPI. Every field is read as outside input.
function kpiTable(look) {
  const isObject = (x) => x !== null && typeof x === "object";
  const kpis = isObject(look) && Array.isArray(look.kpis) ? look.kpis.filter(isObject) : [];
  if (!kpis.length) return el("p", { class: "muted" }, "no look yet");
  const side = (value, n) => num(value) + (n === undefined ? "" : " (n " + num(n) + ")");
  const rows = kpis.map((k) => [String(k.kpi ?? "?"), side(k.baseline, k.n_baseline),
                                side(k.canary, k.n_canary), num(k.effect), num(k.z), num(k.p),
                                el("span", { class: k.status === "fail" ? "bad" : undefined },
                                   String(k.status ?? "–")),
                                String(k.sentence ?? "")]);
  const headers = ["KPI", "baseline", "canary", "effect", "z", "p", "status", "judge says"];
  const caption = [typeof look.verdict === "string" ? look.verdict : "",
                   typeof look.look === "number" ? "look " + look.look +
                     (typeof look.planned === "number" ? " of " + look.planned : "") : ""]
    .filter(Boolean).join(", ");
  return el("div", { class: "kpis" }, caption && el("p", { class: "muted" }, caption),
            table(headers, rows));
}

function section(title, list) {
  const row = (x) => [x.id, x.parameter, x.status + (x.shadow ? " (shadow)" : ""), num(x.step),
                      num(x.weight) + " %", num(x.baseline) + " → " + num(x.canary),
                      // The reason once: a look's sentence is in the KPI table already.
                      (x.recommendation || "–") + (x.reason && x.reason !== x.last_look?.sentence
                                                    ? ": " + x.reason : ""),
                      num(x.statistical_significance)];
  const headers = ["rollout", "parameter", "status", "step", "weight", "baseline → canary", "judge", "p"];
  if (!list.length) return [el("h2", {}, title), table(headers, [])];
  return [el("h2", {}, title),
          ...list.map((x) => el("section", { class: "rollout" }, table(headers, [row(x)]),
                             kpiTable(x.last_look)))];
}

export default async function rollouts({ main, api }) {
  const body = el("div");
  show(main, el("h2", {}, "Rollouts"), body);
  const refresh = async () => {
    const r = await api.get("/v1/rollouts");
    if (!r.ok) return show(body, el("p", { class: "bad" }, r.error));
    const list = (x) => (Array.isArray(x) ? x.filter((r) => r !== null && typeof r === "object") : []);
    show(body, section("In flight", list(r.data.running)), section("Recent", list(r.data.recent)));
  };
  await refresh();
  return { refresh };
}

// Rollouts: each canary's step and weight, the judge's last verdict and its figures per KPI.
import { el, show, table, when, num } from "../dom.js";

function figures(look) {
  if (!look || typeof look !== "object") return "–";
  const kpis = look.kpis || look;
  return el("pre", {}, JSON.stringify(kpis, null, 1));
}

export default async function rollouts({ main, api }) {
  const body = el("div");
  show(main, el("h2", {}, "Rollouts"), body);
  const refresh = async () => {
    const r = await api.get("/v1/rollouts");
    if (!r.ok) return show(body, el("p", { class: "bad" }, r.error));
    const row = (x) => [x.id, x.parameter, x.status + (x.shadow ? " (shadow)" : ""), num(x.step),
                        num(x.weight) + " %", num(x.baseline) + " → " + num(x.canary),
                        (x.recommendation || "–") + (x.reason ? ": " + x.reason : ""),
                        num(x.statistical_significance), figures(x.last_look)];
    const headers = ["rollout", "parameter", "status", "step", "weight", "baseline → canary", "judge", "p", "figures"];
    show(body, el("h2", {}, "In flight"), table(headers, (r.data.running || []).map(row)),
               el("h2", {}, "Recent"), table(headers, (r.data.recent || []).map(row)));
  };
  await refresh();
  return { refresh };
}

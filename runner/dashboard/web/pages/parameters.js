// Parameters: each value with its hard and operating bounds; a row opens its trajectory — every
// applied value (and in dry-run every shadow one) on a uPlot chart, each change's reason shown
// as the cursor passes over it.
import { el, show, table, when, num } from "../dom.js";

function bounds(p) {
  if (p.min === undefined) return p.choices ? p.choices.join(" | ") : "–";
  return "[" + num(p.min) + ", " + num(p.max) + "]";
}

function operating(p) {
  if (!p.operating) return "–";
  return "[" + num(p.operating.min) + ", " + num(p.operating.max) + "]" +
         (p.operating.frozen ? " frozen" : "") + (p.operating.holds ? " · holds " + p.operating.holds : "");
}

// A value as its type reads: true/false for a bool, the choice for an enum.
function shown(p) {
  if (p.type === "bool") return p.value ? "true" : "false";
  if (p.choices && typeof p.value === "number") return p.choices[p.value] ?? num(p.value);
  return num(p.value);
}

// uPlot, the first time a chart is drawn: the other pages never pay for it.
let charting = null;
function loadCharts() {
  if (!charting) charting = new Promise((resolve, reject) => {
    document.head.append(el("link", { rel: "stylesheet", href: "/assets/uPlot.min.css" }));
    const script = el("script", { src: "/assets/uPlot.iife.min.js" });
    script.addEventListener("load", resolve);
    script.addEventListener("error", () => reject(new Error("uPlot did not load")));
    document.head.append(script);
  });
  return charting;
}

async function trajectory(api, name, into, now) {
  const [history, shadows] = await Promise.all([
    api.get("/v1/params/" + encodeURIComponent(name) + "/history"),
    api.get("/v1/decisions?limit=1000&target=" + encodeURIComponent(name)),
  ]);
  const points = [];  // [seconds, applied, shadow, reason]
  if (history.ok) for (const v of history.data.versions || [])
    if (typeof v.value === "number") points.push([Date.parse(v.at) / 1000, v.value, null, (v.by || "") + ": " + (v.rationale || "")]);
  if (shadows.ok) for (const d of shadows.data)
    if (d.outcome === "shadow" && typeof d.value === "number")
      points.push([Date.parse(d.at) / 1000, null, d.value, d.policy + " (shadow): " + (d.reason || "")]);
  points.sort((a, b) => a[0] - b[0]);
  // The value now, so the line reaches the present.
  if (points.length && now && typeof now.value === "number")
    points.push([Date.now() / 1000, now.value, null, "now: " + num(now.value)]);
  const hover = el("div", { class: "hover", id: "hover" }, points.length ? "Move over the chart for each change's reason." : "No change recorded yet.");
  const box = el("div", { id: "chart" });
  into.replaceChildren(el("div", { class: "chart" }, el("h2", {}, name), box, hover));
  if (!points.length) return;
  await loadCharts();
  const width = Math.max(280, Math.min(into.clientWidth || 800, 1300) - 20);
  const data = [points.map((p) => p[0]), points.map((p) => p[1]), points.map((p) => p[2])];
  new uPlot({
    width, height: 260,
    scales: { x: { time: true } },
    axes: [{ stroke: "#8b95a3", grid: { stroke: "#2b323c" } }, { stroke: "#8b95a3", grid: { stroke: "#2b323c" } }],
    series: [{}, { label: "applied", stroke: "#5aa0e0", spanGaps: true, points: { size: 6 } },
             { label: "shadow", stroke: "#d9a441", dash: [4, 4], spanGaps: true, points: { size: 5 } }],
    hooks: { setCursor: [(u) => {
      const i = u.cursor.idx;
      if (i !== null && i !== undefined && points[i])
        hover.textContent = new Date(points[i][0] * 1000).toISOString() + " — " + points[i][3];
    }] },
  }, data, box);
}

export default async function parameters({ main, api, params }) {
  const list = el("div");
  const chart = el("div", { id: "trajectory" });
  show(main, el("h2", {}, "Parameters"), list, chart);
  let open = params ? decodeURIComponent(params) : "";
  const refresh = async () => {
    const r = await api.get("/v1/params");
    if (!r.ok) return show(list, el("p", { class: "bad" }, r.error));
    show(list, table(["parameter", "value", "hard bounds", "operating bounds", "last change", "pinned", "rollout"],
      r.data.map((p) => [p.name, shown(p), bounds(p), operating(p), when(p.last_change),
                         p.override ? num(p.override.value) + " until " + when(p.override.until) : "–",
                         p.rollout || "–"]),
      { onrow: (i) => { open = r.data[i].name; trajectory(api, open, chart, r.data[i]); },
        classes: [, , , "hide-narrow", "hide-narrow", "hide-narrow", "hide-narrow"] }));
  };
  await refresh();
  if (open) {
    const r = await api.get("/v1/params");
    await trajectory(api, open, chart, r.ok ? r.data.find((p) => p.name === open) : null);
  }
  return { refresh };
}

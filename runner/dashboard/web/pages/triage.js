// Triage: the latest weekly report — the week in counts per category, the worst incidents with
// the decisions behind them, the bounds patches proposed (approved on the Proposals page).
import { el, show, table, when, num } from "../dom.js";

function counts(by) {
  if (!by || typeof by !== "object" || Array.isArray(by)) return "–";
  const parts = Object.entries(by).map(([k, v]) => k + " (" + v + ")");
  return parts.length ? parts.join(", ") : "–";
}

export default async function triage({ main, api }) {
  const r = await api.get("/v1/triage");
  if (r.status === 404) {
    show(main, el("h2", {}, "Triage"), el("p", { class: "muted" }, r.error));
    return {};
  }
  if (!r.ok) return show(main, el("h2", {}, "Triage"), el("p", { class: "bad" }, r.error));
  const t = r.data;
  const cats = t.categories && typeof t.categories === "object" ? Object.entries(t.categories) : [];
  show(main,
    el("h2", {}, "Triage " + when(t.period && t.period.from) + " to " + when(t.period && t.period.to)),
    el("p", { class: "muted" }, (t.policy || "") + ", " + (t.trigger || "")),
    el("p", {}, t.summary || ""),
    el("h2", {}, "Failures by category"),
    table(["category", "count", "parameters", "by reason"],
          cats.map(([name, c]) => [name, num(c.count), counts(c.parameters), counts(c.by_reason)])),
    el("h2", {}, "Worst incidents"),
    table(["when", "kind", "target", "what", "decision"],
          (t.worst || []).map((w) => [when(w.when), w.kind, w.target, w.detail || "–",
            w.decision_record ? "#" + w.decision_record.id + " " + (w.decision_record.policy || "") + ": " +
              (w.decision_record.explain || "") : "–"])),
    el("h2", {}, "Suggested bounds patches"),
    table(["parameter", "bounds", "confidence", "rationale", "proposal"],
          (t.patches || []).map((p) => [p.parameter, "[" + String(p.min) + ", " + String(p.max) + "]",
            p.confidence === null || p.confidence === undefined ? "–" : Math.round(p.confidence * 100) + " %",
            p.rationale || "–", "#" + p.decision + " " + (p.outcome || "") +
              (p.decided_by ? " by " + p.decided_by : "")])));
  return {};
}

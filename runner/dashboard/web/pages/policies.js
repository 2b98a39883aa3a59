// Policies: each one's version, health, last error, quarantine, last evaluation and its cost.
import { el, show, table, when, num } from "../dom.js";

export default async function policies({ main, api }) {
  const body = el("div");
  show(main, el("h2", {}, "Policies"), body);
  const refresh = async () => {
    const r = await api.get("/v1/policies");
    if (!r.ok) return show(body, el("p", { class: "bad" }, r.error));
    show(body, table(
      ["policy", "version", "mode", "schedule", "health", "last evaluation", "took (ms)", "evaluations", "last error"],
      r.data.map((p) => [
        p.name || p.file, p.version ? p.version.slice(0, 12) : "–", p.mode || "–", p.schedule || "–",
        !p.reload || !p.reload.ok ? el("span", { class: "bad" }, "not loaded: " + (p.reload ? p.reload.message : ""))
          : p.quarantined ? el("span", { class: "bad" }, "quarantined until " + when(p.quarantined_until))
          : p.disabled ? "disabled" : el("span", { class: "good" }, "healthy"),
        when(p.last_evaluation), num(p.last_duration_ms), num(p.evaluations),
        p.last_error ? el("span", { class: "bad" }, p.last_error) : "–",
      ]),
      { classes: [, "hide-narrow", "hide-narrow", "hide-narrow", , , "hide-narrow", "hide-narrow"] }));
  };
  await refresh();
  return { refresh };
}

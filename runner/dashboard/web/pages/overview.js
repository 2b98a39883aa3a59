// Overview: is the engine well, what mode, what is paused, what the last hour decided, and what
// waits for a person.
import { el, card, show, table, when } from "../dom.js";

export default async function overview({ main, api }) {
  const body = el("div");
  show(main, el("h2", {}, "Overview"), body);
  const refresh = async () => {
    const o = await api.get("/v1/overview");
    if (!o.ok) return show(body, el("p", { class: "bad" }, "The overview could not be read: " + o.error));
    const d = o.data;
    const counts = d.decisions_last_hour || {};
    const a = d.autopilot || {};
    show(body,
      el("div", { class: "cards" },
        card("engine", d.healthy ? "healthy" : "not passing", d.healthy ? "good" : "bad"),
        card("mode", d.dry_run ? "dry-run (observe)" : d.mode),
        card("policies", String(d.policies) + (d.quarantined ? " · " + d.quarantined + " quarantined" : ""),
             d.quarantined ? "bad" : ""),
        card("autopilot", !a.enabled ? "off" : a.paused ? "paused (drift) until " + when(a.paused_until) : "on",
             a.paused ? "bad" : ""),
        card("open proposals", String(d.proposals)),
        card("rollouts in flight", String(d.rollouts_in_flight)),
        card("allowed, last hour", String(counts.allow || 0), "allow"),
        card("clamped, last hour", String(counts.clamp || 0), "clamp"),
        card("blocked, last hour", String(counts.block || 0), "block")),
      el("h2", {}, "Pauses"),
      table(["scope", "name", "direction", "until"],
            (d.pauses || []).map((p) => [p.scope, p.name || "everything", p.direction, p.until ? when(p.until) : "until resumed"])));
  };
  await refresh();
  return { refresh };
}

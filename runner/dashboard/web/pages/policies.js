// Policies: each one's version, health, last error, quarantine, last evaluation and its cost;
// and the new versions running beside their live ones as shadows — what they would have done
// otherwise — with promote and discard (an operator's token, kept in this tab only).
import { el, show, table, when, num } from "../dom.js";

const KEY = "setpoint.operator";

function shadows(list, act) {
  const rows = list.filter((p) => p.shadow);
  if (rows.length === 0) return el("p", { class: "muted" }, "No shadow versions: every policy runs its live version only.");
  return el("div", {}, ...rows.map((p) => {
    const s = p.shadow;
    const verdict = s.state !== "shadowing" ? el("span", { class: "bad" }, "waits for an operator")
      : s.promotes ? el("span", { class: "good" }, "promoted at " + when(s.until) + " if it stays within " + s.max_divergences)
      : el("span", { class: "bad" }, "will wait for an operator at " + when(s.until));
    return el("div", { class: "card", "data-shadow": p.name },
      el("h3", {}, p.name + ": shadow " + s.version.slice(0, 12) + " beside " + s.live_version.slice(0, 12)),
      el("p", {}, "since " + when(s.since) + " · " + num(s.evaluations) + " evaluations · " +
         num(s.divergences) + " divergences (" + num(s.root_divergences) + " first, " + num(s.at_bound) + " to a bound) · ", verdict),
      s.recent.length ? table(["at", "target", "live version", "shadow version", ""],
        s.recent.map((d) => [when(d.at), d.target, d.live, d.shadow,
                             d.at_bound ? el("span", { class: "bad" }, "to a bound") : d.follows ? "follows an earlier one" : "–"]))
        : el("p", { class: "muted" }, "No divergence yet."),
      el("p", {},
         el("button", { class: "primary", "data-promote": p.name, onclick: () => act(p.name, "promote") }, "Promote"), " ",
         el("button", { "data-discard": p.name, onclick: () => act(p.name, "discard") }, "Discard")));
  }));
}

export default async function policies({ main, api }) {
  const body = el("div");
  const tokenInput = el("input", { type: "password", autocomplete: "off", id: "operator-token",
                                   placeholder: "operator token", "aria-label": "operator token",
                                   value: sessionStorage.getItem(KEY) || "" });
  tokenInput.addEventListener("input", () => sessionStorage.setItem(KEY, tokenInput.value.trim()));
  const answer = el("div", { class: "answer", id: "answer", role: "status" });
  const shadowList = el("div", { id: "shadows" });
  show(main, el("h2", {}, "Policies"), body,
       el("h2", {}, "Shadow versions"),
       el("p", { class: "muted" }, "A new version runs beside the live one in observe mode before it goes live."),
       el("div", { class: "filters" }, el("label", { for: "operator-token" }, "Operator token"), tokenInput,
          el("span", { class: "muted" }, "kept in this tab only")),
       answer, shadowList);

  const act = async (name, verb) => {
    const t = tokenInput.value.trim() || api.token();
    const r = await api.post("/v1/policies/" + encodeURIComponent(name) + "/" + verb, {}, t);
    const text = r.ok ? (verb === "promote" ? r.data.promoted : r.data.discarded) : "HTTP " + r.status + ": " + r.error;
    answer.replaceChildren(el("p", { class: r.ok ? "good" : "bad" }, text));
    await refresh();
  };

  const refresh = async () => {
    const r = await api.get("/v1/policies");
    if (!r.ok) return show(body, el("p", { class: "bad" }, r.error));
    show(body, table(
      ["policy", "version", "mode", "schedule", "health", "last evaluation", "took (ms)", "evaluations", "last error"],
      r.data.map((p) => [
        p.name || p.file, p.version ? p.version.slice(0, 12) + (p.shadow ? " (+ shadow)" : "") : "–", p.mode || "–", p.schedule || "–",
        !p.reload || !p.reload.ok ? el("span", { class: "bad" }, "not loaded: " + (p.reload ? p.reload.message : ""))
          : p.quarantined ? el("span", { class: "bad" }, "quarantined until " + when(p.quarantined_until))
          : p.disabled ? "disabled" : el("span", { class: "good" }, "healthy"),
        when(p.last_evaluation), num(p.last_duration_ms), num(p.evaluations),
        p.last_error ? el("span", { class: "bad" }, p.last_error) : "–",
      ]),
      { classes: [, "hide-narrow", "hide-narrow", "hide-narrow", , , "hide-narrow", "hide-narrow"] }));
    show(shadowList, shadows(r.data, act));
  };
  await refresh();
  return { refresh };
}

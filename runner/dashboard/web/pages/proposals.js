// Proposals and advice: what waits for a person — value changes, actions and bounds patches —
// with approve and reject. The buttons need an operator's token, typed here and kept in this
// tab's session only; every button shows the API's answer as it came.
import { el, show, table, when, num } from "../dom.js";

const KEY = "setpoint.operator";

function change(record) {
  if (!record) return "–";
  if (record.kind === "bounds" && record.bounds)
    return "operating bounds → [" + String(record.bounds.min) + ", " + String(record.bounds.max) + "]";
  if (record.kind === "act") return "run " + record.target + " " + JSON.stringify(record.args || {});
  return num(record.current) + " → " + num(record.value);
}

export default async function proposals({ main, api }) {
  const tokenInput = el("input", { type: "password", autocomplete: "off", id: "operator-token",
                                   placeholder: "operator token", "aria-label": "operator token",
                                   value: sessionStorage.getItem(KEY) || "" });
  tokenInput.addEventListener("input", () => sessionStorage.setItem(KEY, tokenInput.value.trim()));
  const answer = el("div", { class: "answer", id: "answer", role: "status" });
  const list = el("div");
  const advice = el("div", { id: "advice" });
  show(main, el("h2", {}, "Proposals and advice"),
       el("div", { class: "filters" }, el("label", { for: "operator-token" }, "Operator token"), tokenInput,
          el("span", { class: "muted" }, "kept in this tab only")),
       answer, list,
       el("h2", {}, "Advice"),
       el("p", { class: "muted" }, "What policies in advise mode recommend: recorded for a person, never applied."),
       advice);

  const act = async (id, verb) => {
    const t = tokenInput.value.trim() || api.token();
    const r = await api.post("/v1/proposals/" + encodeURIComponent(id) + "/" + verb, {}, t);
    const text = r.ok ? (r.data.decision ? verb + "d: " + (r.data.decision.outcome || "") + " — " +
                         (r.data.decision.detail || "") : verb + "ed " + id)
                      : "HTTP " + r.status + ": " + r.error;
    answer.replaceChildren(el("p", { class: r.ok ? "good" : "bad" }, text),
                           el("pre", {}, JSON.stringify(r.data, null, 1)));
    await refresh();
  };

  const refresh = async () => {
    const r = await api.get("/v1/proposals");
    if (!r.ok) return show(list, el("p", { class: "bad" }, r.error));
    show(list, table(["id", "policy", "kind", "target", "change", "why", "confidence", "expires", ""],
      r.data.map((p) => {
        const rec = p.record || {};
        return [String(p.id), p.policy, rec.kind || "set", p.target, change(rec), rec.reason || "–",
                rec.confidence !== undefined ? num(rec.confidence) : "–", when(p.expires),
                el("span", {}, el("button", { class: "primary", "data-approve": p.id,
                                              onclick: () => act(p.id, "approve") }, "Approve"), " ",
                   el("button", { "data-reject": p.id, onclick: () => act(p.id, "reject") }, "Reject"))];
      }), { classes: [, "hide-narrow", , , , "hide-narrow", "hide-narrow", "hide-narrow"] }));
    const recent = await api.get("/v1/decisions?limit=500");
    const advised = recent.ok ? recent.data.filter((d) => d.outcome === "advised").slice(0, 50) : [];
    show(advice, table(["id", "at", "policy", "target", "change", "why"],
      advised.map((d) => [String(d.id), when(d.at), d.policy, d.target, change(d), d.reason || "–"]),
      { classes: [, "hide-narrow", "hide-narrow"] }));
  };
  await refresh();
  return { refresh };
}

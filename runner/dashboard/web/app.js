// The dashboard's frame: the pages by their #name, the login when the API wants a token, and a
// quiet refresh of what a page shows (the decisions page follows a stream instead).
import * as api from "./api.js";
import { el, show } from "./dom.js";
import overview from "./pages/overview.js";
import parameters from "./pages/parameters.js";
import decisions from "./pages/decisions.js";
import proposals from "./pages/proposals.js";
import rollouts from "./pages/rollouts.js";
import policies from "./pages/policies.js";
import triage from "./pages/triage.js";

const PAGES = [
  ["overview", "Overview", overview],
  ["parameters", "Parameters", parameters],
  ["decisions", "Decisions", decisions],
  ["proposals", "Proposals", proposals],
  ["rollouts", "Rollouts", rollouts],
  ["policies", "Policies", policies],
  ["triage", "Triage", triage],
];
const REFRESH_MS = 10000;

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const session = document.getElementById("session");
let current = null;  // { name, stop }
let timer = null;
let whoami = {};  // the session: { token_required, accepted, name, role }

function login(message) {
  nav.hidden = true;
  session.replaceChildren();
  const input = el("input", { type: "password", autocomplete: "off", placeholder: "viewer token",
                              "aria-label": "token", id: "token" });
  const form = el("form", { class: "login", onsubmit: (e) => {
    e.preventDefault();
    api.setToken(input.value.trim());
    route();
  } }, el("h2", {}, "Sign in"),
     el("p", { class: "muted" }, message || "This engine asks for a token (a viewer's is enough to look). It stays in this tab only."),
     input, el("p", {}, el("button", { class: "primary", type: "submit" }, "Sign in")));
  show(main, form);
  input.focus();
}

function frame(name) {
  nav.hidden = false;
  nav.replaceChildren(...PAGES.map(([id, title]) =>
    el("a", { href: "#" + id, class: id === name ? "current" : undefined }, title)));
  session.replaceChildren(api.token()
    ? el("span", {}, (whoami.name || "") + " (" + (whoami.role || "") + ") ",
         el("button", { onclick: () => { api.setToken(""); location.hash = ""; route(); } }, "Sign out"))
    : whoami.token_required === false ? "open: no tokens configured" : "");
}

async function route() {
  if (current && current.stop) current.stop();
  clearInterval(timer);
  // Without a token that the API takes, the page shows a login field and nothing else.
  const probe = await api.get("/v1/session");
  if (!probe.ok) return login("The engine did not answer: " + probe.error);
  if (!probe.data.accepted)
    return login(api.token() ? "That token was not accepted (a viewer's at least is needed)." : undefined);
  whoami = probe.data;
  const name = (location.hash || "#overview").slice(1).split("/")[0];
  const page = PAGES.find(([id]) => id === name) || PAGES[0];
  frame(page[0]);
  document.title = "Setpoint · " + page[1];
  const ctx = { main, api, params: (location.hash.split("/")[1] || "") };
  current = { name: page[0], stop: null };
  // A page gives back how to stop it (a stream) and how to refresh what it shows in place.
  const shown = (await page[2](ctx)) || {};
  current.stop = shown.stop;
  if (shown.refresh) timer = setInterval(() => { if (!document.hidden) shown.refresh(); }, REFRESH_MS);
}

window.addEventListener("hashchange", route);
route();

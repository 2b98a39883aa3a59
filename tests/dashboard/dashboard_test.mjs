// The dashboard in a real browser against a real daemon: Debian's chromium, headless, driven by
// puppeteer-core (which downloads nothing), and `setpoint run` on a loopback port in a fresh
// folder with the quickstart's policies and parameters. Each page renders them; a decision made
// while the page is open appears without a reload; a viewer's token is refused approval with
// the API's message and an operator's applies it; no page logs an error. A screenshot of each
// page (1280×800, and the overview at a phone's width) goes to the output folder.
//
//   node tests/dashboard/dashboard_test.mjs SETPOINT_BINARY OUTPUT_FOLDER
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, "../..");
const [binary, output] = process.argv.slice(2).map((p) => p && path.resolve(p));
assert.ok(binary && output, "usage: dashboard_test.mjs SETPOINT_BINARY OUTPUT_FOLDER");
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const VIEWER = "viewer-token-0123456789", OPERATOR = "operator-token-0123456789";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "setpoint-dashboard-"));
fs.mkdirSync(output, { recursive: true });
fs.mkdirSync(path.join(dir, "policies"));
fs.mkdirSync(path.join(dir, "out"));
fs.writeFileSync(path.join(dir, "out/cart.json"), '{"retries": 3}');
fs.writeFileSync(path.join(dir, "out/cart-canary.json"), '{"retries": 3}');
fs.writeFileSync(path.join(dir, "out/cart-weight.json"), '{"weight": 0}');
for (const f of fs.readdirSync(path.join(source, "examples/quickstart/policies")))
  fs.copyFileSync(path.join(source, "examples/quickstart/policies", f), path.join(dir, "policies", f));
fs.copyFileSync(path.join(source, "policies/weekly_triage.lua"), path.join(dir, "policies/weekly_triage.lua"));
// A policy in propose mode that asks for one more every second: a proposal waits, and a
// decision ("unchanged") is recorded every second while the page is open.
fs.writeFileSync(path.join(dir, "policies/nudger.lua"), `
return { name = "nudger", every = "1s", params = { "checkout.max_concurrency" },
  evaluate = function(ctx)
    ctx:set("checkout.max_concurrency", ctx:param("checkout.max_concurrency") + 1,
            { reason = "one more" })
  end }`);
// A policy that stages one change to the cart's retries: a canary rollout runs while the page
// is open, judged every second on the cart's p99 and error rate per cohort.
fs.writeFileSync(path.join(dir, "policies/stager.lua"), `
return { name = "stager", every = "1s", params = { "cart.retries" },
  evaluate = function(ctx)
    if ctx:param("cart.retries") ~= 2 then ctx:set("cart.retries", 2, { reason = "fewer retries" }) end
  end }`);
fs.writeFileSync(path.join(dir, "tokens.yaml"), `tokens:
  - { name: vera, role: viewer, token: ${VIEWER} }
  - { name: otto, role: operator, token: ${OPERATOR} }
`);
fs.writeFileSync(path.join(dir, "setpoint.yaml"), `
engine: { tick: 200ms, mode: enforce, state_path: state/setpoint.db }
policies:
  dir: policies
  test_gate: false
  overrides:
    checkout-concurrency: { mode: enforce }
    checkout-timeout: { mode: enforce }
    inventory-degraded: { mode: enforce }
    nudger: { mode: propose }
    stager: { mode: enforce }
    weekly_triage: { cpu: 2s }
control_plane: { listen: 127.0.0.1:0, tokens_file: tokens.yaml }
parameters:
  checkout.max_concurrency:
    type: int
    initial: 100
    min: 20
    max: 400
    up: { max_step: 5, cooldown: 2s }
    down: { max_step: 50%, cooldown: 2s }
    policies: [checkout-concurrency, nudger]
    mode: enforce
  checkout.timeout_ms:
    type: int
    initial: 1000
    min: 200
    max: 2000
    policies: [checkout-timeout]
    mode: enforce
  cart.retries:
    type: float
    initial: 3
    min: 0
    max: 10
    policies: [stager]
    mode: enforce
    actuator: { type: file, path: out/cart.json, key: retries }
    rollout:
      steps: [10, 50, 100]
      step_duration: 10m
      interval: 1s
      on_inconclusive: hold
      canary: { type: file, path: out/cart-canary.json, key: retries }
      weight: { type: file, path: out/cart-weight.json, key: weight }
      kpis:
        - { series: "rpc{service=cart}", stat: p99, critical: true, unit: ms }
        - { series: "rpc{service=cart}", stat: error_rate }
  inventory.degraded:
    type: bool
    initial: false
    policies: [inventory-degraded]
    mode: enforce
`);

const log = fs.openSync(path.join(dir, "daemon.log"), "w");
const daemon = spawn(binary, ["run", "--config", "setpoint.yaml"], { cwd: dir, stdio: ["ignore", log, log] });
let browser;
const errors = [];

async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

try {
  const port = await until("the daemon's port", () => {
    const m = /control plane on http:\/\/127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(path.join(dir, "daemon.log"), "utf8"));
    return m && Number(m[1]);
  });
  const base = `http://127.0.0.1:${port}`;
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", `--user-data-dir=${path.join(dir, "chrome")}`, "--no-first-run"],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  const text = () => page.$eval("main", (m) => m.innerText);
  const shot = (name) => page.screenshot({ path: path.join(output, name + ".png"), fullPage: true });

  // Tokens are configured: the page shows a login field and nothing else.
  await page.goto(base + "/", { waitUntil: "networkidle0" });
  await page.waitForSelector("#token");
  assert.equal(await page.$eval("#nav", (n) => n.hidden), true, "the pages are hidden before login");
  assert.ok(!(await text()).includes("checkout"), "nothing of the engine before login");
  await shot("login");
  await page.type("#token", VIEWER);
  await page.click("button[type=submit]");
  await page.waitForSelector(".cards");
  assert.match(await text(), /engine\s+healthy/);
  assert.match(await text(), /mode\s+enforce/);
  await shot("overview");
  await page.setViewport({ width: 390, height: 844 });
  await shot("overview-phone");
  await page.setViewport({ width: 1280, height: 800 });

  // Parameters: the quickstart's three, and a row opens its chart.
  await page.goto(base + "/#parameters", { waitUntil: "networkidle0" });
  await page.waitForSelector("tr.clickable");
  for (const name of ["checkout.max_concurrency", "checkout.timeout_ms", "inventory.degraded"])
    assert.ok((await text()).includes(name), name + " on the parameters page");
  assert.ok((await text()).includes("[20, 400]"), "hard bounds shown");

  // Policies: the quickstart's, healthy.
  await page.goto(base + "/#policies", { waitUntil: "networkidle0" });
  await page.waitForSelector("table");
  for (const name of ["checkout-concurrency", "checkout-timeout", "inventory-degraded", "nudger"])
    assert.ok((await text()).includes(name), name + " on the policies page");
  await shot("policies");

  // Decisions: live. A decision made while the page is open appears without a reload.
  await page.goto(base + "/#decisions", { waitUntil: "domcontentloaded" });
  await page.waitForSelector("#timeline table");
  const newest = async () => page.$$eval("#timeline tbody tr td:first-child", (c) => c.map((x) => Number(x.textContent)).filter((n) => n > 0));
  await until("the stream to connect", async () => (await page.$eval("#live", (s) => s.textContent)) === "live" || (await newest()).length > 0);
  const before = Math.max(0, ...(await newest()));
  await until("a new decision on the open page", async () => Math.max(0, ...(await newest())) > before);
  await page.click("#timeline tbody tr.clickable");
  await page.waitForSelector("#detail .card");
  assert.match(await page.$eval("#detail", (d) => d.innerText), /Evidence/);
  await shot("decisions");

  // Proposals: the nudger's waits. A viewer's token is refused with the API's message; an
  // operator's approves it, and the answer says what was applied.
  await page.goto(base + "/#proposals", { waitUntil: "networkidle0" });
  const approve = await page.waitForSelector("button[data-approve]");
  const expected = errors.length;
  await approve.click();
  await page.waitForSelector("#answer p");
  const refused = await page.$eval("#answer", (a) => a.innerText);
  assert.match(refused, /HTTP 403/, "a viewer may not approve: " + refused);
  assert.match(refused, /operator/, "the API's message is shown: " + refused);
  // The browser logs the refused request itself: that one line is the refusal asked for.
  assert.deepEqual(errors.splice(expected), ["Failed to load resource: the server responded with a status of 403 (Forbidden)"]);
  await page.type("#operator-token", OPERATOR);
  await (await page.waitForSelector("button[data-approve]")).click();
  await until("the approval's answer", async () => /approved/.test(await page.$eval("#answer", (a) => a.innerText)));
  const approved = await page.$eval("#answer", (a) => a.innerText);
  assert.match(approved, /approved: applied/, approved);
  await shot("proposals");

  // A new version of the nudger that asks to shadow first: the policies page shows it beside
  // the live one, and the operator (token kept from the proposals page) promotes it.
  const nudger = fs.readFileSync(path.join(dir, "policies/nudger.lua"), "utf8");
  fs.writeFileSync(path.join(dir, "policies/nudger.lua"), "-- setpoint: shadow 1h\n" + nudger);
  await page.goto(base + "/#policies", { waitUntil: "networkidle0" });
  const promote = await until("the nudger's shadow on the policies page", async () => {
    await page.goto(base + "/#policies", { waitUntil: "networkidle0" });
    return page.$("button[data-promote=nudger]");
  });
  const card = await page.$eval("[data-shadow=nudger]", (c) => c.innerText);
  assert.match(card, /nudger: shadow [0-9a-f]{12} beside [0-9a-f]{12}/, card);
  assert.match(card, /evaluations/, card);
  // The same judgement, in propose mode: a pending proposal moves nothing, on either side.
  assert.match(card, / 0 divergences /, card);
  await shot("policies-shadow");
  await promote.click();
  await until("the promotion's answer", async () => /promoted/.test(await page.$eval("#answer", (a) => a.innerText)));
  const promoted = await page.$eval("#answer", (a) => a.innerText);
  assert.match(promoted, /promoted [0-9a-f]{12} over [0-9a-f]{12}: by operator:otto/, promoted);
  await until("the shadow gone from the page", async () => (await page.$("[data-shadow=nudger]")) === null);

  // Rollouts: the stager's canary, with each KPI's figures per cohort once the judge has
  // looked at 200 calls a side.
  const now = new Date().toISOString();
  const calls = [];
  for (let i = 0; i < 200; ++i)
    for (const cohort of ["canary", "baseline"])
      calls.push(JSON.stringify({ ts: now, metric: "rpc", labels: { service: "cart", cohort },
                                  latency_ms: 20 + (i % 10), outcome: "ok" }));
  const posted = await fetch(base + "/v1/events", {
    method: "POST", headers: { Authorization: "Bearer " + OPERATOR }, body: calls.join("\n") + "\n",
  });
  assert.equal(posted.status, 200, await posted.text());
  await until("the judge's look at 200 calls a side", async () => {
    const r = await (await fetch(base + "/v1/rollouts", { headers: { Authorization: "Bearer " + VIEWER } })).json();
    const kpis = r.running?.[0]?.last_look?.kpis || [];
    return kpis.length === 2 && kpis.every((k) => k.n_canary === 200 && k.n_baseline === 200);
  });
  await page.goto(base + "/#rollouts", { waitUntil: "networkidle0" });
  await page.waitForSelector(".rollout .kpis table");
  const rollout = await text();
  assert.match(rollout, /In flight/);
  assert.match(rollout, /cart\.retries/);
  assert.match(rollout, /3 → 2/, "baseline and canary values: " + rollout);
  assert.match(rollout, /\(n 200\)/, "each cohort's count: " + rollout);
  assert.equal(await page.$$eval(".rollout .kpis tbody tr", (r) => r.length), 2, "one row per KPI");
  await shot("rollouts");

  // Triage: run now with the operator's token, then the page shows the report.
  const ran = await fetch(base + "/v1/triage/run", {
    method: "POST", headers: { Authorization: "Bearer " + OPERATOR, "Content-Type": "application/json" },
    body: JSON.stringify({ since: "7d" }),
  });
  assert.equal(ran.status, 200, await ran.text());
  await page.goto(base + "/#triage", { waitUntil: "networkidle0" });
  await page.waitForSelector("table");
  assert.match(await text(), /Failures by category/);
  assert.match(await text(), /validation_failures/);
  await shot("triage");

  // The chart, last: the approved change is on it.
  await page.goto(base + "/#parameters/checkout.max_concurrency", { waitUntil: "networkidle0" });
  await page.waitForSelector("#chart canvas");
  await page.hover("#chart canvas");
  await shot("parameters");

  assert.deepEqual(errors, [], "no console errors");
  console.log("dashboard: every page passed in chromium; screenshots in " + output);
} catch (e) {
  console.error("dashboard test failed:", e && e.stack || e);
  console.error("daemon log:\n" + fs.readFileSync(path.join(dir, "daemon.log"), "utf8").slice(-4000));
  if (errors.length) console.error("console errors:\n" + errors.join("\n"));
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  daemon.kill("SIGTERM");
  await new Promise((r) => daemon.once("exit", r));
  if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
}

// How long the dashboard takes to show its first page, in Debian's chromium: from navigation
// to the overview's cards on screen (the session and overview answers in), and to the
// decisions page's first 200 rows, each in a fresh browser context (nothing cached) with the
// viewer's token already in the tab's session. Prints {"first_paint_ms": [...],
// "decisions_ready_ms": [...], "fcp_ms": [...]}: `make bench` takes the medians.
//
//   node tests/dashboard/first_paint.mjs URL TOKEN RUNS
import puppeteer from "puppeteer-core";

const [url, token, runs = "5"] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--no-first-run"],
});
const out = { first_paint_ms: [], decisions_ready_ms: [], fcp_ms: [] };
try {
  for (let i = 0; i < Number(runs); ++i) {
    for (const [hash, selector, key] of [["#overview", ".cards", "first_paint_ms"],
                                         ["#decisions", "#timeline tbody tr:nth-child(200)", "decisions_ready_ms"]]) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      await page.evaluateOnNewDocument((t) => sessionStorage.setItem("setpoint.token", t), token);
      await page.goto(url + "/" + hash, { waitUntil: "domcontentloaded" });
      await page.waitForSelector(selector, { timeout: 30000 });
      // The frame that shows it: the next animation frame after it is in the page.
      const ms = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))));
      out[key].push(Math.round(ms * 10) / 10);
      if (key === "first_paint_ms") {
        const fcp = await page.evaluate(() => {
          const e = performance.getEntriesByName("first-contentful-paint")[0];
          return e ? e.startTime : null;
        });
        if (fcp !== null) out.fcp_ms.push(Math.round(fcp * 10) / 10);
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));

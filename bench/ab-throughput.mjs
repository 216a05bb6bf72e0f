// A/B of throughput (Promise.all(submit → waitForJob), or another workload of bench.js's
// `throughput`, e.g. ours-batch-manager) between two builds of the package, with the
// Connect-ES loop beside them: the same two-copy layout of bench/www as bench/ab.mjs (`<url>/base/`
// and `<url>/new/`, each with its own pkg/). Eight rounds alternate the order of the builds; each
// prints jobs/s and calls per job (server counts), then the medians. Measures only; asserts nothing.
//   node bench/ab-throughput.mjs <server-url> [n = 50] [workload = ours-promise-all]
import { launchBenchChromium } from "./chromium.mjs";
const browser = await launchBenchChromium();
const pages = {};
const n = Number(process.argv[3] || 50);
const workload = process.argv[4] || "ours-promise-all";
for (const v of ["base", "new"]) {
  const page = await browser.newPage();
  await page.goto(`${process.argv[2]}/${v}/index.html`);
  await page.waitForFunction(() => window.bench !== undefined);
  await page.evaluate(() => window.bench.setup(null));
  pages[v] = page;
}
const out = { base: [], new: [], peer: [] };
for (let r = 0; r < 8; r++) {
  for (const v of r % 2 ? ["new", "base"] : ["base", "new"]) {
    const t = await pages[v].evaluate(([w, n]) => window.bench.throughput(w, n), [workload, n]);
    out[v].push([t.jobsPerSecond, t.callsPerJob]);
  }
  const c = await pages.base.evaluate((n) => window.bench.throughput("connect-promise-all", n), n);
  out.peer.push([c.jobsPerSecond, c.callsPerJob]);
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
for (const v of ["base", "new", "peer"]) console.log(v, out[v].map((x) => x[0].toFixed(0) + "/" + x[1].toFixed(2)).join(" "), "median", med(out[v].map((x) => x[0])).toFixed(0));
await browser.close();

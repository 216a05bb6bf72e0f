// A/B of unary latency between two builds of the package, against the Connect-ES peer in the same
// pages: a server serves two copies of bench/www, `<url>/base/` and `<url>/new/`, each with its own
// pkg/ (e.g. `cp -r bench/www $dir/base && cp -r /path/to/old/pkg/web $dir/base/pkg`, the same for
// new/, then the dev server with `--www $dir --rate-limit 0 --isolated`: cross-origin isolated pages time
// calls with 5 µs ticks instead of 100 µs ones). Rounds alternate the order of the
// builds; each round times `calls` sequential GetJobStatus calls of ours and then of the peer, and
// the median ours/peer ratios per build are printed at the end. Measures only; asserts nothing.
//   node bench/ab.mjs <server-url> [rounds = 6] [calls = 500]
import { launchBenchChromium } from "./chromium.mjs";
const url = process.argv[2];
const rounds = Number(process.argv[3] || 6);
const calls = Number(process.argv[4] || 500);
const browser = await launchBenchChromium();
const pages = {};
for (const v of ["base", "new"]) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(v, "page error:", e.message));
  await page.goto(`${url}/${v}/index.html`);
  await page.waitForFunction(() => window.bench !== undefined);
  const info = await page.evaluate(() => window.bench.setup(null));
  pages[v] = { page, jobId: info.jobId };
  await page.evaluate(([id]) => window.bench.unary("ours", id, 200), [info.jobId]);
  await page.evaluate(([id]) => window.bench.unary("connect", id, 200), [info.jobId]);
}
const out = { base: [], new: [] };
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? ["new", "base"] : ["base", "new"]) {
    const { page, jobId } = pages[v];
    const o = await page.evaluate(([id, n]) => window.bench.unary("ours", id, n), [jobId, calls]);
    const c = await page.evaluate(([id, n]) => window.bench.unary("connect", id, n), [jobId, calls]);
    out[v].push({ p50: o.p50 / c.p50, p99: o.p99 / c.p99, o50: o.p50, c50: c.p50 });
    console.log(v, "ours", o.p50.toFixed(2), o.p99.toFixed(2), "peer", c.p50.toFixed(2), c.p99.toFixed(2),
      "ratio p50", (o.p50 / c.p50).toFixed(2), "p99", (o.p99 / c.p99).toFixed(2));
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
for (const v of ["base", "new"]) {
  console.log(v, "median ratio p50", med(out[v].map((x) => x.p50)).toFixed(3), "p99", med(out[v].map((x) => x.p99)).toFixed(3),
    "ours p50", med(out[v].map((x) => x.o50)).toFixed(2), "peer p50", med(out[v].map((x) => x.c50)).toFixed(2));
}
await browser.close();

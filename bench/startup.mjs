// Start-up: time to first call for the client (import → init() → first ListBackends resolved),
// Connect-ES (import → client → first ListBackends) and the circuit tools (import → load → first
// validateQasm), each cold (a fresh browser context: empty HTTP cache) and cached (the same page
// loaded again in that context), rounds interleaved. Prints medians; writes bench/results/startup.json.
//   node bench/startup.mjs <server-url serving bench/www> [rounds]
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchBenchChromium } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const url = process.argv[2];
const rounds = Number(process.argv[3] || 7);
if (!url) throw new Error("usage: node bench/startup.mjs <server-url> [rounds]");

const browser = await launchBenchChromium();

async function load(page, lib) {
  await page.goto(`${url}/startup.html?lib=${lib}`);
  await page.waitForFunction(() => window.__startup !== undefined, null, { timeout: 30000 });
  const r = await page.evaluate(() => window.__startup);
  if (r.error) throw new Error(`${lib}: ${r.error}`);
  return r;
}

const LIBS = ["ours", "connect", "circuit"];
const samples = Object.fromEntries(LIBS.map((l) => [l, { cold: [], cached: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const lib of LIBS) {
    const context = await browser.newContext();
    const page = await context.newPage();
    samples[lib].cold.push(await load(page, lib));
    samples[lib].cached.push(await load(page, lib));
    await context.close();
  }
}
await browser.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const summary = {};
const NAMES = { ours: "arvak-grpc-wasm (import → init → ListBackends)", connect: "Connect-ES (import → ListBackends)", circuit: "circuit tools (import → load → validateQasm)" };
console.log(`start-up, median of ${rounds} rounds (ms): total = import + init + first call`);
console.log("| client | cold total | cold import / init / first | cached total | cached import / init / first |");
console.log("|---|---:|---:|---:|---:|");
for (const lib of LIBS) {
  const row = {};
  for (const kind of ["cold", "cached"]) {
    const xs = samples[lib][kind];
    row[kind] = Object.fromEntries(["total", "import", "init", "first"].map((k) => [k, median(xs.map((x) => x[k]))]));
  }
  summary[lib] = row;
  const f = (r) => `${r.import.toFixed(1)} / ${r.init.toFixed(1)} / ${r.first.toFixed(1)}`;
  console.log(`| ${NAMES[lib]} | ${row.cold.total.toFixed(1)} | ${f(row.cold)} | ${row.cached.total.toFixed(1)} | ${f(row.cached)} |`);
}
console.log(`ratio ours/Connect-ES: cold ${(summary.ours.cold.total / summary.connect.cold.total).toFixed(2)}, cached ${(summary.ours.cached.total / summary.connect.cached.total).toFixed(2)}`);
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", process.env.STARTUP_OUT ?? "startup.json"), JSON.stringify({ date: new Date().toISOString(), url, rounds, summary, samples }, null, 2) + "\n");

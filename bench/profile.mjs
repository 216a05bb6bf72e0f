// Where the time of a unary call goes: Chromium's CPU profile (DevTools protocol, sampling every
// 100 µs) of 1000 sequential GetJobStatus calls, for each client, in the benchmark page. Prints the
// self time by category (our wasm, our JS glue, the peer's bundle, the browser's fetch/streams
// machinery, GC, idle) and the top functions; writes bench/results/profile.json.
//   node bench/profile.mjs <server-url serving bench/www> [calls]     (PROFILE_TOP=n: print n top functions, default 10)
// With PROFILE_THROUGHPUT=n it profiles the throughput workloads instead (n jobs each: the
// BatchJobManager, Promise.all(submit → waitForJob), the Connect-ES loop) and reports per job.
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchBenchChromium } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const url = process.argv[2];
const calls = Number(process.argv[3] || 1000);
if (!url) throw new Error("usage: node bench/profile.mjs <server-url> [calls]");

const browser = await launchBenchChromium();
const page = await browser.newPage();
await page.goto(`${url}/index.html`);
await page.waitForFunction(() => window.bench !== undefined);
const { jobId } = await page.evaluate(() => window.bench.setup(null));
const cdp = await page.context().newCDPSession(page);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 100 });

function category(frame) {
  const u = frame.url ?? "";
  const f = frame.functionName || "(anonymous)";
  if (f === "(idle)") return "idle";
  if (f === "(garbage collector)") return "GC";
  if (f === "(program)") return "browser (program: fetch, streams, event loop)";
  if (u.endsWith(".wasm") || u.includes("wasm://") || /^\$?wasm-function|^\$/.test(f)) return "our wasm";
  if (u.includes("/pkg/")) return "our JS glue";
  if (u.includes("peer.bundle")) return "Connect-ES bundle";
  if (u.includes("bench.js")) return "benchmark loop";
  if (u === "") return "browser built-ins (native functions)";
  return `other (${u.split("/").pop()})`;
}

const jobs = Number(process.env.PROFILE_THROUGHPUT || 0);
const libs = jobs
  ? ["ours-batch-manager", "ours-promise-all", "connect-promise-all"]
  : ["ours", "connect"];
// Per call for unary; per job for the throughput workloads.
const units = jobs || calls;
async function workload(lib) {
  if (!jobs) return page.evaluate(([l, id, n]) => window.bench.unary(l, id, n), [lib, jobId, calls]);
  const t = await page.evaluate(([m, n]) => window.bench.throughput(m, n), [lib, jobs]);
  return { p50: t.jobsPerSecond, callsPerJob: t.callsPerJob };
}

const out = {};
for (const lib of [...libs, ...libs]) {
  if (jobs) await page.evaluate(([m]) => window.bench.throughput(m, 50), [lib]); // warm
  else await page.evaluate(([l, id]) => window.bench.unary(l, id, 100), [lib, jobId]); // warm
  await cdp.send("Profiler.start");
  const t0 = Date.now();
  const stats = await workload(lib);
  const wall = Date.now() - t0;
  const { profile } = await cdp.send("Profiler.stop");
  // Self time per node from the samples.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const cats = {};
  const fns = {};
  for (const [id, ms] of self) {
    const frame = byId.get(id).callFrame;
    const c = category(frame);
    cats[c] = (cats[c] ?? 0) + ms;
    const key = `${frame.functionName || "(anonymous)"} ${frame.url ? frame.url.split("/").pop() : ""}`.trim();
    fns[key] = (fns[key] ?? 0) + ms;
  }
  const entry = out[lib] ?? { runs: [] };
  entry.runs.push({ wall, p50: stats.p50, categories: cats, top: Object.entries(fns).sort((a, b) => b[1] - a[1]).slice(0, 40) });
  out[lib] = entry;
}
await browser.close();

for (const [lib, { runs }] of Object.entries(out)) {
  const figure = jobs ? "jobs/s" : "p50 (ms)";
  console.log(`\n${lib}: ${units} ${jobs ? "jobs" : "calls"}, wall ${runs.map((r) => r.wall).join(" / ")} ms, ${figure} ${runs.map((r) => r.p50.toFixed(2)).join(" / ")}`);
  const cats = {};
  for (const r of runs) for (const [c, ms] of Object.entries(r.categories)) cats[c] = (cats[c] ?? 0) + ms / runs.length;
  const busy = Object.entries(cats).filter(([c]) => c !== "idle").reduce((s, [, ms]) => s + ms, 0);
  for (const [c, ms] of Object.entries(cats).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${c.padEnd(48)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / units * 1000).toFixed(0).padStart(5)} µs/${jobs ? "job" : "call"}${c === "idle" ? "" : `  ${(ms / busy * 100).toFixed(0)}% of busy`}`);
  }
  console.log("  top functions (last run, self ms):");
  for (const [f, ms] of runs.at(-1).top.slice(0, Number(process.env.PROFILE_TOP || 10))) console.log(`    ${ms.toFixed(1).padStart(7)}  ${f}`);
}
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", "profile.json"), JSON.stringify({ date: new Date().toISOString(), url, calls, jobs, out }, null, 2) + "\n");

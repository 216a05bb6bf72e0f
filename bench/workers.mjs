// BatchJobManager throughput by `maxWorkers`, with Promise.all(submit → waitForJob) and the
// Connect-ES loop beside it, in one page of the benchmark layout (`<url>/<build>/index.html`, as
// bench/ab.mjs). Each round runs every worker count once (a fresh client each), then both peers;
// prints jobs/s per round and the medians. Measures only; asserts nothing.
//   node bench/workers.mjs <server-url> [n = 500] [build = new]     (WORKERS=10,32,100 ROUNDS=4)
import { launchBenchChromium } from "./chromium.mjs";

const [url, n = "500", build = "new"] = process.argv.slice(2);
if (!url) throw new Error("usage: node bench/workers.mjs <server-url> [n] [build]");
const workers = (process.env.WORKERS || "10,32,100").split(",").map(Number);
const rounds = Number(process.env.ROUNDS || 4);

const browser = await launchBenchChromium();
const page = await browser.newPage();
await page.goto(`${url}/${build}/index.html`);
await page.waitForFunction(() => window.bench !== undefined);
await page.evaluate(() => window.bench.setup(null));
const out = {};
for (let r = 0; r < rounds; r++) {
  for (const w of workers) {
    const jobsPerSecond = await page.evaluate(
      async ([n, w, build]) => {
        // The same module instance as the page's bench.js (same URL).
        const arvak = await import(`/${build}/pkg/arvak_grpc_wasm.js`);
        const client = new arvak.ArvakClient(location.origin, { timeoutMs: 60000 });
        const manager = new arvak.BatchJobManager(client, { maxWorkers: w });
        const bell = "OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1];";
        const circuits = Array.from({ length: n }, () => ({ qasm: bell, shots: 100 }));
        const t0 = performance.now();
        const batch = await manager.executeBatch(circuits, "simulator", {});
        const ms = performance.now() - t0;
        client.close();
        return (batch.results.filter(Boolean).length / ms) * 1000;
      },
      [Number(n), w, build],
    );
    (out[`maxWorkers ${w}`] ??= []).push(jobsPerSecond);
  }
  for (const mode of ["ours-promise-all", "connect-promise-all"]) {
    const t = await page.evaluate(([m, n]) => window.bench.throughput(m, n), [mode, Number(n)]);
    (out[mode] ??= []).push(t.jobsPerSecond);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
for (const [k, xs] of Object.entries(out)) {
  console.log(k.padEnd(22), xs.map((x) => x.toFixed(0)).join(" "), "median", median(xs).toFixed(0));
}
await browser.close();

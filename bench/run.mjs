// Drives bench/www in headless Chromium (playwright-core + Debian's chromium), interleaving rounds
// of both clients, then prints a table and writes bench/results/latest.json.
//   node bench/run.mjs <server-url> [rounds] [gateway-url]
// BENCH_OUT names the results file (default latest.json). An https:// server is served with a
// self-signed certificate (dev server --tls), which this browser accepts; the table's first line
// says which HTTP version the calls used.
import { gzipSync } from "node:zlib";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

import { measure } from "../scripts/pkg-size.mjs";
import { launchBenchChromium } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const url = process.argv[2];
const rounds = Number(process.argv[3] || 3);
const gatewayUrl = process.argv[4] || null;
if (!url) throw new Error("usage: node bench/run.mjs <server-url> [rounds] [gateway-url]");

const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const fmt = (x, d = 1) => (x == null ? "–" : Number(x).toFixed(d));

// Through the page (same origin as the server), which also trusts a --tls server's certificate.
async function setMinJobMs(ms) {
  await page.evaluate(async (m) => {
    await fetch("/__faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rules: {}, minJobMs: m }),
    });
  }, ms);
}

/** p50 / p90 / p99 of a sample list, as bench.js computes them. */
function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { n: s.length, p50: at(50), p90: at(90), p99: at(99) };
}

function gzipBytes(path) {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}

const browser = await launchBenchChromium(["--enable-precise-memory-info", "--js-flags=--expose-gc"]);
async function openPage() {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(`${url}/index.html`);
  await page.waitForFunction(() => window.bench !== undefined);
  const info = await page.evaluate((gw) => window.bench.setup(gw), gatewayUrl);
  return { page, ...info };
}

// Memory first, each client in a fresh page, so earlier workloads do not colour the figures.
const mem = {};
for (const lib of ["ours", "connect"]) {
  const fresh = await openPage();
  mem[lib] = await fresh.page.evaluate(([l, id]) => window.bench.memory(l, id, 10000), [lib, fresh.jobId]);
  await fresh.page.close();
}

const { page, jobId, hasBatchManager } = await openPage();

const unaryLibs = gatewayUrl ? ["ours", "connect", "ours-gateway"] : ["ours", "connect"];
const waitKinds = ["auto", "watch", "poll", "connect"];
const runTimes = [200, 2000];
const raw = { unary: Object.fromEntries(unaryLibs.map((l) => [l, []])), throughput: {},
  wait: Object.fromEntries(runTimes.map((t) => [t, Object.fromEntries(waitKinds.map((k) => [k, []]))])) };
const modes = ["ours-promise-all", "connect-promise-all"];
if (hasBatchManager) modes.unshift("ours-batch-manager", "ours-batch-manager-declared");
const sizes = [50, 500, 1000];
for (const m of modes) raw.throughput[m] = Object.fromEntries(sizes.map((n) => [n, []]));

for (let round = 1; round <= rounds; round++) {
  console.error(`round ${round}/${rounds}`);
  await setMinJobMs(0);
  // 1000 calls per client and round, in 5 blocks of 200 whose order alternates: this machine's
  // speed drifts over seconds, and one block of 1000 per client let the drift into the ratio.
  const pooled = Object.fromEntries(unaryLibs.map((l) => [l, []]));
  for (let block = 0; block < 5; block++) {
    for (const lib of (round + block) % 2 ? unaryLibs : [...unaryLibs].reverse()) {
      const { samples } = await page.evaluate(([l, id]) => window.bench.unary(l, id, 200, true), [lib, jobId]);
      pooled[lib].push(...samples);
    }
  }
  for (const lib of unaryLibs) raw.unary[lib].push(percentiles(pooled[lib]));
  for (const n of sizes) {
    const order = round % 2 ? modes : [...modes].reverse();
    for (const m of order) {
      raw.throughput[m][n].push(await page.evaluate(([mode, count]) => window.bench.throughput(mode, count), [m, n]));
    }
  }
  for (const runMs of runTimes) {
    await setMinJobMs(runMs);
    for (const kind of round % 2 ? waitKinds : [...waitKinds].reverse()) {
      const [lib, strategy] = kind === "connect" ? ["connect", null] : ["ours", kind];
      const jobs = runMs < 1000 ? 10 : 4;
      raw.wait[runMs][kind].push(await page.evaluate(([l, s, t, n]) => window.bench.waitOverhead(l, s, t, n), [lib, strategy, runMs, jobs]));
    }
  }
  await setMinJobMs(0);
}
// The HTTP version the page's calls travelled on, as the browser reports it.
// Cross-origin isolated (the dev server's --isolated): performance.now() ticks every 5 µs, not 100 µs.
const isolated = await page.evaluate(() => globalThis.crossOriginIsolated === true);
const protocols = await page.evaluate(() => [...new Set(performance.getEntriesByType("resource")
  .filter((e) => e.name.includes("/arvak.v1.ArvakService/")).map((e) => e.nextHopProtocol || "?"))]);
await browser.close();

const ourSize = await measure(join(here, "www", "pkg"));
const size = {
  oursWasmGzip: ourSize.wasmGzip,
  oursGlueGzip: ourSize.glueGzip,
  oursTotalGzip: ourSize.totalGzip,
  connectBundleGzip: gzipBytes(join(here, "www", "peer.bundle.js")),
};

const unary = Object.fromEntries(
  unaryLibs.map((lib) => [lib, Object.fromEntries(["p50", "p90", "p99"].map((k) => [k, median(raw.unary[lib].map((r) => r[k]))]))]),
);
const throughput = Object.fromEntries(
  modes.map((m) => [m, Object.fromEntries(sizes.map((n) => [n, median(raw.throughput[m][n].map((r) => r.jobsPerSecond))]))]),
);
const callsPerJob = Object.fromEntries(
  modes.map((m) => [m, median(sizes.flatMap((n) => raw.throughput[m][n].map((r) => r.callsPerJob)))]),
);
const wait = Object.fromEntries(runTimes.map((t) => [t, Object.fromEntries(waitKinds.map((k) => [k, {
  p50: median(raw.wait[t][k].map((r) => r.p50)),
  p99: median(raw.wait[t][k].map((r) => r.p99)),
  callsPerWait: median(raw.wait[t][k].map((r) => r.callsPerWait)),
}]))]));

const lines = [];
const out = (s = "") => lines.push(s);
out(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; rounds: ${rounds} (medians); calls over ${protocols.join(", ") || "?"} (${new URL(url).protocol.replace(":", "")}); timer ${isolated ? "5 µs (cross-origin isolated)" : "100 µs (not isolated)"}`);
out();
out("| unary GetJobStatus (ms, 1000 sequential calls) | p50 | p90 | p99 |");
out("|---|---:|---:|---:|");
for (const lib of ["ours", "connect"]) {
  const name = lib === "ours" ? "arvak-grpc-wasm" : "Connect-ES 2.3 (connect-web)";
  out(`| ${name} | ${fmt(unary[lib].p50, 2)} | ${fmt(unary[lib].p90, 2)} | ${fmt(unary[lib].p99, 2)} |`);
}
out(`| ratio ours/peer | ${fmt(unary.ours.p50 / unary.connect.p50, 2)} | ${fmt(unary.ours.p90 / unary.connect.p90, 2)} | ${fmt(unary.ours.p99 / unary.connect.p99, 2)} |`);
if (unary["ours-gateway"]) {
  const g = unary["ours-gateway"];
  out(`| arvak-grpc-wasm through \`arvak-dev-server gateway\` (grpc-web → HTTP/2 upstream) | ${fmt(g.p50, 2)} | ${fmt(g.p90, 2)} | ${fmt(g.p99, 2)} |`);
  out(`| added by the gateway (p50 difference) | ${fmt(g.p50 - unary.ours.p50, 2)} | | |`);
}
out();
out("| throughput, Bell × 100 shots, first submit → last result (jobs/s) | N=50 | N=500 | N=1000 | calls per job |");
out("|---|---:|---:|---:|---:|");
const label = {
  "ours-batch-manager": "arvak-grpc-wasm BatchJobManager",
  "ours-promise-all": "arvak-grpc-wasm Promise.all(submit → waitForJob)",
  "ours-batch-manager-declared": "… with the server's rate limit declared (maxSubmitsPerSecond): SubmitBatch chunks",
  "connect-promise-all": "Connect-ES Promise.all(submit → poll 50 ms → result)",
};
for (const m of modes) out(`| ${label[m]} | ${sizes.map((n) => fmt(throughput[m][n], 0)).join(" | ")} | ${fmt(callsPerJob[m], 2)} |`);
out("| seed's published figure (Python BatchJobManager, 50 jobs; theirs, not measured here) | 16.1 | – | – | |");
out("| seed's published figure (Python async client, 50 jobs; theirs, not measured here) | 13.2 | – | – | |");
out("| seed's published figure (Python sequential, 50 jobs; theirs, not measured here) | 2.0 | – | – | |");
out();
out("| wait overhead: resolution − run time, submit excluded (ms) / calls per wait | 200 ms jobs p50 | p99 | calls | 2 s jobs p50 | p99 | calls |");
out("|---|---:|---:|---:|---:|---:|---:|");
for (const k of waitKinds) {
  const name = k === "connect" ? "Connect-ES loop (poll every 50 ms, then GetJobResult)" : `waitForJob strategy "${k}"`;
  out(`| ${name} | ${runTimes.map((t) => `${fmt(wait[t][k].p50)} | ${fmt(wait[t][k].p99)} | ${fmt(wait[t][k].callsPerWait, 1)}`).join(" | ")} |`);
}
out();
out("| size (gzip -9 bytes) | value |");
out("|---|---:|");
out(`| arvak-grpc-wasm .wasm + JS glue | ${size.oursTotalGzip} (${size.oursWasmGzip} + ${size.oursGlueGzip}) |`);
out(`| Connect-ES bundle (esbuild, minified) | ${size.connectBundleGzip} |`);
out(`| ratio ours/peer | ${fmt(size.oursTotalGzip / size.connectBundleGzip, 2)} |`);
out();
out("| memory after 10,000 GetJobStatus calls (after 500 warm-up) | wasm memory | externref table | JS heap |");
out("|---|---:|---:|---:|");
for (const lib of ["ours", "connect"]) {
  const { before, after } = mem[lib];
  const name = lib === "ours" ? "arvak-grpc-wasm" : "Connect-ES";
  const wasmCol = lib === "ours" ? `${before.wasmBytes} → ${after.wasmBytes}` : "–";
  const tableCol = lib === "ours" ? `${before.tableLength} → ${after.tableLength}` : "–";
  out(`| ${name} | ${wasmCol} | ${tableCol} | ${before.jsHeapBytes} → ${after.jsHeapBytes} |`);
}
console.log(lines.join("\n"));
mkdirSync(join(here, "results"), { recursive: true });
const stamp = new Date().toISOString();
const report = { stamp, url, protocols, isolated, rounds, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: os.totalmem() / 2 ** 30 }, unary, throughput, callsPerJob, wait, size, memory: mem, raw, table: lines.join("\n") };
const outFile = join(here, "results", process.env.BENCH_OUT || "latest.json");
writeFileSync(outFile, JSON.stringify(report, null, 2));
console.error(`wrote ${outFile}`);

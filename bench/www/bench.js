// Benchmark workloads, run inside one headless Chromium page for both clients.
// The Node driver (bench/run.mjs) calls window.bench.* and collects the figures;
// nothing here asserts on timings.
import init, * as arvak from "./pkg/arvak_grpc_wasm.js";
import { connectClient } from "./peer.bundle.js";

const BELL = "OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1];";
const TERMINAL = new Set([3, 4, 5, 6]); // COMPLETED FAILED CANCELED RESULT_EXPIRED
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let wasm;
let ours;
let oursDeclared;
let oursViaGateway;
let peer;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99) };
}

async function setup(gatewayUrl) {
  wasm = await init();
  const url = window.location.origin;
  ours = new arvak.ArvakClient(url, { timeoutMs: 60000 });
  // A client of its own for the manager told the server's limit: a client remembers the limits
  // it learned, which would otherwise carry over into the default manager's runs.
  oursDeclared = new arvak.ArvakClient(url, { timeoutMs: 60000 });
  oursViaGateway = gatewayUrl ? new arvak.ArvakClient(gatewayUrl, { timeoutMs: 60000 }) : null;
  peer = connectClient(url);
  const jobId = await ours.submitQasm(BELL, "simulator", { shots: 100 });
  await ours.waitForJob(jobId);
  return { jobId, hasBatchManager: typeof arvak.BatchJobManager === "function" };
}

/** `calls` sequential GetJobStatus calls; their percentiles, and with `keepSamples` the samples too. */
async function unary(lib, jobId, calls, keepSamples = false) {
  const samples = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    if (lib === "ours") await ours.getJobStatus(jobId);
    else if (lib === "ours-gateway") await oursViaGateway.getJobStatus(jobId);
    else await peer.getJobStatus({ jobId });
    samples.push(performance.now() - t0);
  }
  return keepSamples ? { ...summary(samples), samples } : summary(samples);
}

async function connectWait(jobId) {
  // The plain peer loop: poll status (immediately, then every 50 ms), then fetch the result.
  for (;;) {
    const { job } = await peer.getJobStatus({ jobId });
    if (TERMINAL.has(job.state)) break;
    await sleep(50);
  }
  return (await peer.getJobResult({ jobId })).result;
}

/**
 * N Bell circuits × 100 shots, first submit → last result; jobs/s, and the calls each job cost
 * (server counts). "ours-batch-manager-declared" tells the manager the server's rate limit (this
 * server has none), which lets it submit in SubmitBatch chunks; without it, the manager cannot
 * know that a chunk will not be cut part-way by a limit, and submits one job per call.
 */
async function throughput(mode, n) {
  const calls0 = await callsSoFar();
  const t0 = performance.now();
  let results;
  if (mode === "ours-batch-manager" || mode === "ours-batch-manager-declared") {
    const declared = mode === "ours-batch-manager-declared";
    const manager = declared
      ? new arvak.BatchJobManager(oursDeclared, { maxSubmitsPerSecond: 100000 })
      : new arvak.BatchJobManager(ours);
    const circuits = Array.from({ length: n }, () => ({ qasm: BELL, shots: 100 }));
    const batch = await manager.executeBatch(circuits, "simulator", {});
    results = batch.results.filter(Boolean);
  } else if (mode === "ours-promise-all") {
    results = await Promise.all(
      Array.from({ length: n }, async () => {
        const id = await ours.submitQasm(BELL, "simulator", { shots: 100 });
        return ours.waitForJob(id);
      }),
    );
  } else {
    results = await Promise.all(
      Array.from({ length: n }, async () => {
        const { jobId } = await peer.submitJob({
          circuit: { format: { case: "qasm3", value: BELL } },
          backendId: "simulator",
          shots: 100,
        });
        return connectWait(jobId);
      }),
    );
  }
  const ms = performance.now() - t0;
  const calls = (await callsSoFar()) - calls0;
  return { n, ok: results.length, ms, jobsPerSecond: (results.length / ms) * 1000, callsPerJob: calls / n };
}

/** The server's call counts (all RPCs) so far. */
async function callsSoFar() {
  const stats = await (await fetch("/__stats")).json();
  return Object.values(stats.calls ?? {}).reduce((a, b) => a + b, 0);
}

/**
 * Jobs with a fixed run time (server minJobMs), one at a time: resolution time − run time, measured
 * from the moment the submit resolved (submit excluded), and the calls each wait made (server
 * counts, submit excluded). `lib`: "ours" with a waitForJob strategy, or "connect" (the peer's
 * 50 ms polling loop).
 */
async function waitOverhead(lib, strategy, runMs, jobs) {
  const overheads = [];
  let calls = 0;
  for (let i = 0; i < jobs; i++) {
    let id;
    if (lib === "ours") id = await ours.submitQasm(BELL, "simulator", { shots: 100 });
    else id = (await peer.submitJob({ circuit: { format: { case: "qasm3", value: BELL } }, backendId: "simulator", shots: 100 })).jobId;
    const before = await callsSoFar();
    const t0 = performance.now();
    if (lib === "ours") await ours.waitForJob(id, { strategy, pollIntervalMs: 1000 });
    else await connectWait(id);
    overheads.push(performance.now() - t0 - runMs);
    calls += (await callsSoFar()) - before;
  }
  return { ...summary(overheads), callsPerWait: calls / jobs };
}

/** wasm memory and JS heap after warm-up and after `calls` more unary calls. */
async function memory(lib, jobId, calls) {
  const snap = () => ({
    wasmBytes: wasm.memory.buffer.byteLength,
    tableLength: Object.values(wasm).find((v) => v instanceof WebAssembly.Table)?.length ?? null,
    jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
  });
  const gc = () => (window.gc ? window.gc() : undefined);
  const call = () => (lib === "ours" ? ours.getJobStatus(jobId) : peer.getJobStatus({ jobId }));
  for (let i = 0; i < 500; i++) await call();
  gc();
  const before = snap();
  for (let i = 0; i < calls; i++) await call();
  gc();
  return { before, after: snap() };
}

window.bench = { setup, unary, throughput, waitOverhead, memory };
document.getElementById("status").textContent = "ready";

// The benchmarks' machine-readable summary: reads the figures bench/run.sh just wrote —
// results/latest.json (HTTP/1.1), latest-h2.json (HTTP/2 over TLS), startup.json and loadgen.json —
// and writes `summary` into results/latest.json with the keys below (ratios are ours/peer; for
// jobs/s a ratio above 1 means we are faster, for times below 1). Prints it too.
//   node bench/summary.mjs
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(dirname(fileURLToPath(import.meta.url)), "results");
const read = (name) => {
  const path = join(dir, name);
  if (!existsSync(path)) throw new Error(`bench/summary: ${path} is missing (run bench/run.sh)`);
  return JSON.parse(readFileSync(path, "utf8"));
};

const h1 = read("latest.json");
const h2 = read("latest-h2.json");
const startup = read("startup.json");
const loadgen = read("loadgen.json");

const ratio = (a, b) => a / b;
const minOverN = (r, ours, peer) => Math.min(...Object.keys(r.throughput[peer]).map((n) => r.throughput[ours][n] / r.throughput[peer][n]));

const summary = {
  unaryP50Ratio_h1: ratio(h1.unary.ours.p50, h1.unary.connect.p50),
  unaryP50Ratio_h2: ratio(h2.unary.ours.p50, h2.unary.connect.p50),
  unaryP99Ratio_h1: ratio(h1.unary.ours.p99, h1.unary.connect.p99),
  unaryP99Ratio_h2: ratio(h2.unary.ours.p99, h2.unary.connect.p99),
  waitOverheadP50Ms_200ms_h1: h1.wait["200"].auto.p50,
  waitOverheadP50Ms_200ms_h2: h2.wait["200"].auto.p50,
  callsPerWait_ours_h1: h1.wait["200"].auto.callsPerWait,
  callsPerWait_peer_h1: h1.wait["200"].connect.callsPerWait,
  promiseAllRatio_min_h1: minOverN(h1, "ours-promise-all", "connect-promise-all"),
  promiseAllRatio_min_h2: minOverN(h2, "ours-promise-all", "connect-promise-all"),
  batchRatio_min_h1: minOverN(h1, "ours-batch-manager", "connect-promise-all"),
  batchRatio_min_h2: minOverN(h2, "ours-batch-manager", "connect-promise-all"),
  nativeJobsPerSecond_1000: loadgen.jobsPerSecond["1000"],
  startupMs_ours: startup.summary.ours.cold.total,
  startupMs_peer: startup.summary.connect.cold.total,
  sizeGzipBytes: h1.size.oursTotalGzip,
};
for (const [k, v] of Object.entries(summary)) {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`bench/summary: ${k} is ${v}`);
}
h1.summary = summary;
h1.native = loadgen;
h1.startup = startup.summary;
writeFileSync(join(dir, "latest.json"), JSON.stringify(h1, null, 2));
console.log("summary (bench/results/latest.json):");
for (const [k, v] of Object.entries(summary)) console.log(`  ${k.padEnd(28)} ${Number.isInteger(v) ? v : v.toFixed(3)}`);
const share = (mode) => Object.keys(loadgen.jobsPerSecond).map((n) => `N=${n} ${(h1.throughput[mode][n] / loadgen.jobsPerSecond[n] * 100).toFixed(0)}%`).join(", ");
// Beside the summary's keys (which take the manager's defaults): the manager told the server's limit.
if (h1.throughput["ours-batch-manager-declared"]) {
  const declared = (r) => minOverN(r, "ours-batch-manager-declared", "connect-promise-all").toFixed(3);
  console.log(`  (BatchJobManager with the server's rate limit declared, min over N: h1 ${declared(h1)}, h2 ${declared(h2)})`);
}
console.log(`share of the native limit (HTTP/1.1): BatchJobManager ${share("ours-batch-manager")}; Promise.all ours ${share("ours-promise-all")}; Connect-ES ${share("connect-promise-all")}`);

// The circuit tools (arvak-grpc-wasm/circuit) against the dev server, in headless Chromium: a page
// imports both modules of the built package; every program of tests/pkg/circuit-corpus.mjs goes to
// `validateQasm` (backend "simulator") and to the server (SubmitJob, then the job's end), and the two
// must agree — accepted, rejected with the same status message at the line the message names, or
// accepted and then FAILED with the first warning's words. Local and server counts of a few
// circuits at 10 000 shots must be close (total-variation distance), the local run happens in a Web
// Worker, and the report's fields are exactly those circuit/index.d.ts declares.
// Needs the dev server: ARVAK_TEST_URL=http://127.0.0.1:PORT.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PKG, servePage, launchChromium } from './harness.mjs';
import { ACCEPTED, REJECTED, FAIL_AT_RUN, DISTRIBUTIONS } from './circuit-corpus.mjs';

const SERVER = process.env.ARVAK_TEST_URL;
const SHOTS = 10_000;
const TVD_BOUND = 0.05;

const PAGE = (server) => `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>circuit tools</title></head><body>
<script type="module">
import init, { ArvakClient, InvalidCircuitError, JobFailedError } from '/pkg/index.js';
import { loadCircuitTools } from '/pkg/circuit/index.js';
try {
  await init();
  const client = new ArvakClient(${JSON.stringify(server)});
  const tools = await loadCircuitTools();
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  // Both sides of every program; submissions paced under the server's 100 jobs/s rate limit.
  window.runCorpus = async (corpus) => {
    const out = [];
    for (const p of corpus) {
      const shots = p.shots ?? 100;
      const report = tools.validateQasm(p.source, { backend: 'simulator', shots });
      let server;
      try {
        const id = await client.submitQasm(p.source, 'simulator', { shots });
        try {
          await client.waitForJob(id, { maxWaitMs: 60000 });
          server = { verdict: 'completed' };
        } catch (e) {
          server = { verdict: e instanceof JobFailedError ? 'failed' : 'error: ' + e.name, message: e.message };
        }
      } catch (e) {
        const message = e.tag ? '[' + e.tag + '] ' + e.message : e.message;
        server = { verdict: e instanceof InvalidCircuitError ? 'rejected' : 'error: ' + e.name, message };
      }
      out.push({ name: p.name, report, server });
      await pause(15);
    }
    return out;
  };
  window.compare = async (programs, shots) => {
    const out = [];
    for (const p of programs) {
      const local = await tools.simulateLocally(p.source, { shots, seed: 20261201 });
      const id = await client.submitQasm(p.source, 'simulator', { shots });
      const remote = await client.waitForJob(id, { maxWaitMs: 60000 });
      out.push({ name: p.name, local: local.toJSON(), remote: remote.counts,
                 localTop: local.mostFrequent(), localProbabilities: local.probabilities() });
    }
    return out;
  };
  window.__ready = true;
} catch (e) {
  window.__ready = 'error: ' + (e && e.stack || e);
}
</script></body></html>`;

let site;
let browser;
let page;
const pageErrors = [];

before(async () => {
  assert.ok(SERVER, 'set ARVAK_TEST_URL to the dev server');
  assert.ok(existsSync(join(PKG, 'circuit', 'index.js')), 'build the package first (scripts/build-pkg.sh)');
  site = await servePage(PAGE(SERVER));
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  await page.goto(site.url);
  await page.waitForFunction(() => window.__ready !== undefined, null, { timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.__ready), true);
  await fetch(SERVER + '/__faults', { method: 'DELETE' });
});

after(async () => {
  await browser?.close();
  await site?.close();
});

test(`the corpus has at least 100 programs (${ACCEPTED.length + REJECTED.length + FAIL_AT_RUN.length})`, () => {
  assert.ok(ACCEPTED.length + REJECTED.length + FAIL_AT_RUN.length >= 100);
});

test('accepted programs: validateQasm reports no problem and the server completes each job', async () => {
  const results = await page.evaluate((c) => window.runCorpus(c), ACCEPTED);
  for (const { name, report, server } of results) {
    assert.equal(server.verdict, 'completed', `${name}: server ${JSON.stringify(server)}`);
    assert.equal(report.ok, true, `${name}: ${JSON.stringify(report.diagnostics)}`);
    assert.deepEqual(report.diagnostics, [], name);
  }
  console.log(`# ${results.length} accepted programs agree`);
});

test('rejected programs: the same status message, placed at the line it names', async () => {
  const results = await page.evaluate((c) => window.runCorpus(c), REJECTED);
  for (const { name, report, server } of results) {
    assert.equal(server.verdict, 'rejected', `${name}: server ${JSON.stringify(server)}`);
    assert.equal(report.ok, false, name);
    const [first] = report.diagnostics;
    assert.equal(first.severity, 'error', name);
    assert.equal(first.message, server.message, name);
    assert.ok(first.line >= 1 && first.column >= 1 && first.endColumn >= first.column || first.endLine > first.line, name);
    const named = /at line (\d+)/.exec(first.message);
    if (named) assert.equal(first.line, Number(named[1]), `${name}: ${first.message}`);
  }
  console.log(`# ${results.length} rejected programs agree on the message`);
});

test('programs the simulator fails at run time: warned with the FAILED job\'s words', async () => {
  const results = await page.evaluate((c) => window.runCorpus(c), FAIL_AT_RUN);
  for (const { name, report, server } of results) {
    assert.equal(server.verdict, 'failed', `${name}: server ${JSON.stringify(server)}`);
    assert.equal(report.ok, true, name);
    assert.ok(report.diagnostics.length >= 1, name);
    assert.ok(report.diagnostics.every((d) => d.severity === 'warning'), name);
    assert.equal(report.diagnostics[0].message, server.message, name);
  }
  console.log(`# ${results.length} run-time failures agree`);
});

test(`local and server counts agree (total-variation distance < ${TVD_BOUND} at ${SHOTS} shots)`, async () => {
  const results = await page.evaluate(([p, s]) => window.compare(p, s), [DISTRIBUTIONS, SHOTS]);
  for (const { name, local, remote, localTop, localProbabilities } of results) {
    const keys = new Set([...Object.keys(local.counts), ...Object.keys(remote)]);
    let tvd = 0;
    for (const k of keys) tvd += Math.abs((local.counts[k] ?? 0) - (remote[k] ?? 0)) / SHOTS;
    tvd /= 2;
    console.log(`# ${name}: TVD ${tvd.toFixed(4)} over ${keys.size} outcomes`);
    assert.ok(tvd < TVD_BOUND, `${name}: TVD ${tvd} local ${JSON.stringify(local.counts)} server ${JSON.stringify(remote)}`);
    assert.equal(local.shots, SHOTS);
    assert.equal(Object.values(local.counts).reduce((a, b) => a + b, 0), SHOTS);
    assert.ok(Object.keys(local.counts).every((k) => k.length === Object.keys(remote)[0].length), name);
    assert.equal(local.metadata.backend, 'local');
    assert.equal(localTop.count, Math.max(...Object.values(local.counts)));
    assert.ok(Math.abs(Object.values(localProbabilities).reduce((a, b) => a + b, 0) - 1) < 1e-9);
  }
});

test('the same seed gives the same counts, runs happen in a worker, and abort stops them', async () => {
  const out = await page.evaluate(async () => {
    const { loadCircuitTools } = await import('/pkg/circuit/index.js');
    const { ArvakAbortError, JobFailedError, InvalidCircuitError, ArvakError } = await import('/pkg/index.js');
    const tools = await loadCircuitTools();
    const ghz = 'OPENQASM 3.0; qubit[3] q; h q[0]; cx q[0], q[1]; cx q[1], q[2];';
    const a = await tools.simulateLocally(ghz, { shots: 1000, seed: 42 });
    const b = await tools.simulateLocally(ghz, { shots: 1000, seed: 42 });
    // A 20-qubit circuit with many layers takes long enough to abort in flight, while the page's
    // own timers keep running (the run is off the main thread).
    const heavy = 'OPENQASM 3.0; qubit[20] q; ' + 'h q; '.repeat(400);
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = performance.now();
    const run = tools.simulateLocally(heavy, { shots: 10, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    let aborted = null;
    try { await run; } catch (e) { aborted = { abort: e instanceof ArvakAbortError, name: e.name }; }
    const abortedAfterMs = performance.now() - started;
    clearInterval(timer);
    const afterAbort = await tools.simulateLocally(ghz, { shots: 1000, seed: 42 });
    const failures = {};
    await tools.simulateLocally('OPENQASM 3.0; qubit q; rx(t) q;').catch((e) => (failures.symbolic = [e instanceof JobFailedError, e.message]));
    await tools.simulateLocally('nope').catch((e) => (failures.invalid = [e instanceof InvalidCircuitError, e.message]));
    await tools.simulateLocally('OPENQASM 3.0; qubit[21] q;').catch((e) => (failures.wide = [e instanceof JobFailedError, e.message]));
    const wrong = [];
    for (const args of [[42], [{}], [ghz, 7], [ghz, { shots: -1 }], [ghz, { shots: 1.5 }], [ghz, { seed: 'x' }], [ghz, { signal: {} }]]) {
      await tools.simulateLocally(...args).then(() => wrong.push('resolved'), (e) => wrong.push(e instanceof ArvakError && e.code === 3 ? 'ok' : String(e)));
    }
    for (const args of [[42], [ghz, 'simulator'], [ghz, { backend: 7 }], [ghz, { shots: 'many' }], [ghz, { get shots() { throw new Error('getter'); } }]]) {
      try { tools.validateQasm(...args); wrong.push('returned'); } catch (e) { wrong.push(e instanceof ArvakError && e.code === 3 ? 'ok' : String(e)); }
    }
    for (const args of [[], [null], [{}]]) {
      try { tools.drawCircuit(...args); wrong.push('returned'); } catch (e) { wrong.push(e instanceof ArvakError && e.code === 3 ? 'ok' : String(e)); }
    }
    tools.close();
    return { same: JSON.stringify(a.counts) === JSON.stringify(b.counts) && JSON.stringify(a.counts) === JSON.stringify(afterAbort.counts),
             aborted, abortedAfterMs, ticks, failures, wrong };
  });
  assert.equal(out.same, true);
  assert.deepEqual(out.aborted, { abort: true, name: 'AbortError' });
  assert.ok(out.abortedAfterMs < 2000, `abort took ${out.abortedAfterMs} ms`);
  assert.ok(out.ticks >= 5, `the page's timers ran ${out.ticks} times during the run`);
  assert.deepEqual(out.failures.symbolic, [true, 'Rx gate has unresolved symbolic parameter']);
  assert.equal(out.failures.invalid[0], true);
  assert.equal(out.failures.invalid[1], '[permanent] QASM parse error: Unexpected token at line 1: expected OPENQASM, found nope');
  assert.deepEqual(out.failures.wide, [true, 'Circuit has 21 qubits but simulator only supports 20']);
  assert.ok(out.wrong.every((w) => w === 'ok'), JSON.stringify(out.wrong));
});

test('the diagram draws every qubit and bit, and reports have exactly the declared fields', async () => {
  const out = await page.evaluate(async () => {
    const { loadCircuitTools } = await import('/pkg/circuit/index.js');
    const tools = await loadCircuitTools();
    const lines = ['OPENQASM 3.0;', 'qubit[20] q;', 'bit[20] c;', 'h q[0];'];
    for (let i = 0; i < 19; i++) lines.push(`cx q[${i}], q[${i + 1}];`);
    lines.push('rz(pi/4) q[3];', 'barrier q;', 'c = measure q;');
    const svg = tools.drawCircuit(lines.join('\n'));
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const texts = [...doc.querySelectorAll('text')].map((t) => t.textContent);
    const report = tools.validateQasm('OPENQASM 3.0; qubit q; h q[1];');
    const gates = tools.localGates();
    return { parseError: doc.querySelector('parsererror')?.textContent ?? null, root: doc.documentElement.nodeName,
             texts, gates, reportKeys: Object.keys(report), diagnosticKeys: Object.keys(report.diagnostics[0]) };
  });
  assert.equal(out.parseError, null);
  assert.equal(out.root, 'svg');
  for (let i = 0; i < 20; i++) {
    assert.ok(out.texts.includes(`q${i}`), `wire label q${i}`);
    assert.ok(out.texts.includes(`c${i}`), `bit label c${i}`);
  }
  assert.ok(out.texts.some((t) => t.includes('π/4')), 'the rz parameter is shown as π/4');
  assert.equal(out.gates.length, 32);
  for (const g of ['h', 'cx', 'crx', 'rzz', 'ecr', 'cswap']) assert.ok(out.gates.includes(g), `local gate ${g}`);
  const dts = readFileSync(join(PKG, 'circuit', 'index.d.ts'), 'utf8');
  const fields = (name) => {
    const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(dts)[1];
    return [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
  };
  assert.deepEqual([...out.reportKeys].sort(), fields('ValidationReport').sort());
  assert.deepEqual([...out.diagnosticKeys].sort(), fields('QasmDiagnostic').sort());
  assert.deepEqual(pageErrors, []);
});

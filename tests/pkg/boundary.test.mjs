// Every exported function, constructor and method of pkg/web, called from a page in headless
// Chromium through the real generated glue with a wrong JS type in each parameter (a number, an
// object, an array, null, undefined, a symbol and a BigInt): each call gives a typed answer — an
// `ArvakError` thrown or rejected with code INVALID_ARGUMENT naming the parameter where the
// parameter is required or mistyped — and never a trap (`RuntimeError`) or a foreign error. The
// same module then still runs a Bell job. Needs the dev server: ARVAK_TEST_URL.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PKG, servePage, launchChromium } from './harness.mjs';

const SERVER = process.env.ARVAK_TEST_URL;

// Runs in the page. Each case: [label, parameter, kind, call(bad)], where kind is
//   "required": every bad value must be refused with ArvakError INVALID_ARGUMENT naming `parameter`;
//   "optional": null/undefined mean "default" (any ArvakError or success is fine), the other bad
//               values must be refused with ArvakError INVALID_ARGUMENT naming `parameter`.
const PAGE_SCRIPT = (server) => `
const { ArvakClient, ArvakError, RetryPolicy, CircuitBreaker, ResilientClient, BatchJobManager,
  JobFuture, asCompleted, waitAll, formatProgressBar, printProgressBar } = pkg;
await init();
const URL_ = ${JSON.stringify(server)};
const BELL = 'OPENQASM 3.0;\\nqubit[2] q;\\nbit[2] c;\\nh q[0];\\ncx q[0], q[1];\\nc = measure q;\\n';
const NO_JOB = '00000000-0000-4000-8000-000000000000';
const client = new ArvakClient(URL_, { timeoutMs: 5000 });
const manager = new BatchJobManager(client, { maxWorkers: 2 });
const future = client.jobFuture(NO_JOB, { strategy: 'poll' });
const progress = { total: 1, completed: 1, failed: 0, running: 0, pending: 0 };
const quick = { timeoutMs: 2000 };
const BAD = [['a number', 42], ['an object', {}], ['an array', []], ['null', null],
  ['undefined', undefined], ['a symbol', Symbol('x')], ['a bigint', 10n]];
const cases = [
  ['new ArvakClient', 'url', 'required', (b) => new ArvakClient(b)],
  ['new ArvakClient', 'options', 'optional', (b) => new ArvakClient(URL_, b)],
  ['submitQasm', 'qasm', 'required', (b) => client.submitQasm(b, 'simulator')],
  ['submitQasm', 'backendId', 'required', (b) => client.submitQasm(BELL, b)],
  ['submitQasm', 'options', 'optional', (b) => client.submitQasm(BELL, 'simulator', b)],
  ['submitCircuitJson', 'json', 'required', (b) => client.submitCircuitJson(b, 'simulator')],
  ['submitCircuitJson', 'backendId', 'required', (b) => client.submitCircuitJson('{}', b)],
  ['submitBatch', 'circuits', 'required', (b) => client.submitBatch(b, 'simulator')],
  ['submitBatch', 'backendId', 'required', (b) => client.submitBatch([BELL], b)],
  ['submitBatch', 'options', 'optional', (b) => client.submitBatch([], 'simulator', b)],
  ['getJobStatus', 'jobId', 'required', (b) => client.getJobStatus(b)],
  ['getJobStatus', 'options', 'optional', (b) => client.getJobStatus(NO_JOB, b)],
  ['getJobResult', 'jobId', 'required', (b) => client.getJobResult(b)],
  ['getJobResult', 'options', 'optional', (b) => client.getJobResult(NO_JOB, b)],
  ['cancelJob', 'jobId', 'required', (b) => client.cancelJob(b)],
  ['cancelJob', 'options', 'optional', (b) => client.cancelJob(NO_JOB, b)],
  ['listBackends', 'options', 'optional', (b) => client.listBackends(b)],
  ['getBackendInfo', 'backendId', 'required', (b) => client.getBackendInfo(b)],
  ['getBackendInfo', 'options', 'optional', (b) => client.getBackendInfo('simulator', b)],
  ['waitForJob', 'jobId', 'required', (b) => client.waitForJob(b, quick)],
  ['waitForJob', 'options', 'optional', (b) => client.waitForJob(NO_JOB, b)],
  ['watchJob', 'jobId', 'required', (b) => client.watchJob(b).next()],
  ['watchJob', 'options', 'optional', (b) => client.watchJob(NO_JOB, b).next()],
  ['streamResults', 'jobId', 'required', (b) => client.streamResults(b)],
  ['streamResults', 'options', 'optional', (b) => client.streamResults(NO_JOB, b)],
  ['submitQasmFuture', 'qasm', 'required', (b) => client.submitQasmFuture(b, 'simulator')],
  ['submitQasmFuture', 'backendId', 'required', (b) => client.submitQasmFuture(BELL, b)],
  ['submitQasmFuture', 'options', 'optional', (b) => client.submitQasmFuture(BELL, 'simulator', b)],
  ['submitBatchFuture', 'circuits', 'required', (b) => client.submitBatchFuture(b, 'simulator')],
  ['submitBatchFuture', 'backendId', 'required', (b) => client.submitBatchFuture([BELL], b)],
  ['submitBatchFuture', 'options', 'optional', (b) => client.submitBatchFuture([], 'simulator', b)],
  ['jobFuture', 'jobId', 'required', (b) => client.jobFuture(b)],
  ['jobFuture', 'options', 'optional', (b) => client.jobFuture(NO_JOB, b)],
  ['new RetryPolicy', 'options', 'optional', (b) => new RetryPolicy(b)],
  ['new CircuitBreaker', 'options', 'optional', (b) => new CircuitBreaker(b)],
  ['ResilientClient', 'client', 'required', (b) => new ResilientClient(b)],
  ['ResilientClient', 'options', 'optional', (b) => new ResilientClient(client, b)],
  ['new BatchJobManager', 'client', 'required', (b) => new BatchJobManager(b)],
  ['new BatchJobManager', 'options', 'optional', (b) => new BatchJobManager(client, b)],
  ['executeBatch', 'circuits', 'required', (b) => manager.executeBatch(b, 'simulator')],
  ['executeBatch', 'backendId', 'required', (b) => manager.executeBatch([BELL], b)],
  ['executeBatch', 'options', 'optional', (b) => manager.executeBatch([], 'simulator', b)],
  ['submitMany', 'circuits', 'required', (b) => manager.submitMany(b, 'simulator')],
  ['submitMany', 'backendId', 'required', (b) => manager.submitMany([BELL], b)],
  ['submitMany', 'options', 'optional', (b) => manager.submitMany([], 'simulator', b)],
  ['JobFuture.forJob', 'client', 'required', (b) => JobFuture.forJob(b, NO_JOB)],
  ['JobFuture.forJob', 'jobId', 'required', (b) => JobFuture.forJob(client, b)],
  ['JobFuture.result', 'options', 'optional', (b) => future.result(b)],
  ['JobFuture.cancel', 'options', 'optional', (b) => future.cancel(b)],
  ['formatProgressBar', 'progress', 'required', (b) => formatProgressBar(b)],
  ['formatProgressBar', 'width', 'optional', (b) => formatProgressBar(progress, b)],
  ['printProgressBar', 'progress', 'required', (b) => printProgressBar(b)],
  ['printProgressBar', 'width', 'optional', (b) => printProgressBar(progress, b)],
];
const problems = [];
let checked = 0;
for (const [label, param, kind, call] of cases) {
  for (const [what, bad] of BAD) {
    const defaulted = kind === 'optional' && (bad === null || bad === undefined);
    // An empty array or object is a valid value of some parameters (no circuits, no options).
    const fine = (param === 'circuits' || param === 'options') && (what === 'an array' || what === 'an object')
      || param === 'progress' && (what === 'an object' || what === 'an array')
      || param === 'width' && what === 'a number';
    const where = label + '(' + param + ' = ' + what + ')';
    window.__at = where;
    let error = null;
    try { await call(bad); } catch (e) { error = e; }
    checked++;
    if (error !== null && !(error instanceof ArvakError)) {
      problems.push(where + ': not an ArvakError: ' + (error && error.constructor && error.constructor.name) + ': ' + (error && error.message));
    } else if (defaulted || fine) {
      continue;
    } else if (error === null) {
      problems.push(where + ': accepted');
    } else if (error.code !== 3 || !error.message.includes(param)) {
      problems.push(where + ': ' + error.codeName + ' ' + JSON.stringify(error.message) + ' does not name ' + param);
    }
  }
}
const jobId = await client.submitQasm(BELL, 'simulator', { shots: 200 });
const result = await client.waitForJob(jobId);
window.__result = { checked, problems, counts: result.counts };
`;

let site;
let pageUrl;
let browser;

before(async () => {
  assert.ok(SERVER, 'set ARVAK_TEST_URL to the dev server');
  assert.ok(existsSync(join(PKG, 'index.js')), 'build the package first (scripts/build-pkg.sh)');
  site = await servePage('<!doctype html><meta charset="utf-8"><script type="module">' +
    "import init, * as pkg from '/pkg/index.js';\ntry {" + PAGE_SCRIPT(SERVER) +
    '} catch (e) { window.__result = { error: String(e && e.stack || e) }; }</script>');
  pageUrl = site.url;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

test('no exported call traps on a wrong argument type, and the module keeps working', async () => {
  await fetch(SERVER + '/__faults', { method: 'DELETE' });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(pageUrl);
  try {
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 90_000 });
  } catch (e) {
    const at = await page.evaluate(() => window.__at);
    throw new Error(`no answer; the page was at ${at}: ${e.message}`);
  }
  const r = await page.evaluate(() => window.__result);
  await page.close();
  assert.equal(r.error, undefined, r.error);
  console.log(`boundary: ${r.checked} calls with a wrong argument type, ${r.problems.length} problems`);
  assert.deepEqual(r.problems, []);
  assert.ok(r.checked >= 300, `only ${r.checked} calls were made`);
  assert.deepEqual(Object.keys(r.counts).sort(), ['00', '11']);
  assert.deepEqual(pageErrors.filter((m) => /RuntimeError|unreachable|out of bounds/.test(m)), []);
});

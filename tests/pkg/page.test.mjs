// A web page that imports the built package (pkg/web) the way a site would, runs the Quick Start
// (Bell circuit, 1000 shots, waitForJob, print counts) in headless Chromium (playwright-core with
// Debian's /usr/bin/chromium), and shows counts of 00 and 11 only.
// Needs the dev server: ARVAK_TEST_URL=http://127.0.0.1:PORT. The page is served from another
// loopback port, so the calls are cross-origin (CORS) like in a real deployment.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PKG, servePage, launchChromium } from './harness.mjs';

const SERVER = process.env.ARVAK_TEST_URL;

const PAGE = (server) => `<!doctype html>
<html><head><meta charset="utf-8"><title>arvak-grpc-wasm quick start</title></head>
<body><pre id="out">running…</pre>
<script type="module">
import init, { ArvakClient, ArvakError, JobNotFoundError } from '/pkg/index.js';
const out = document.getElementById('out');
try {
  await init();
  const client = new ArvakClient(${JSON.stringify(server)});
  const qasm = 'OPENQASM 3.0;\\nqubit[2] q;\\nbit[2] c;\\nh q[0];\\ncx q[0], q[1];\\nc = measure q;\\n';
  const jobId = await client.submitQasm(qasm, 'simulator', { shots: 1000 });
  const result = await client.waitForJob(jobId);
  out.textContent = JSON.stringify(result.counts);
  let notFound = null;
  try { await client.getJobStatus('00000000-0000-4000-8000-000000000000'); }
  catch (e) { notFound = { jobNotFound: e instanceof JobNotFoundError, arvak: e instanceof ArvakError, error: e instanceof Error }; }
  const job = await client.getJobStatus(jobId);
  for (let i = 0; i < 10; i++) { await client.listBackends(); await client.getJobResult(jobId); }
  window.__result = { counts: result.counts, shots: result.shots, notFound, submittedAtIsDate: job.submittedAt instanceof Date };
} catch (e) {
  out.textContent = 'error: ' + e;
  window.__result = { error: String(e && e.stack || e) };
}
</script></body></html>`;

let site;
let pageUrl;
let browser;

before(async () => {
  assert.ok(SERVER, 'set ARVAK_TEST_URL to the dev server');
  assert.ok(existsSync(join(PKG, 'index.js')), 'build the package first (scripts/build-pkg.sh)');
  site = await servePage(PAGE(SERVER));
  pageUrl = site.url;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

test('a page importing pkg/web runs the Quick Start and shows counts of 00 and 11 only', async () => {
  await fetch(SERVER + '/__faults', { method: 'DELETE' });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Calls the client never cancels on purpose (waits do cancel their racing polls and watch
  // streams) must complete: none may show as a failed, e.g. aborted, request.
  const failed = [];
  const NEVER_CANCELLED = /\/(SubmitJob|GetJobResult|ListBackends|GetBackendInfo)$/;
  page.on('requestfailed', (r) => {
    if (NEVER_CANCELLED.test(r.url())) failed.push(`${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(errors, []);
  assert.deepEqual(failed, [], 'finished calls must not be aborted (net::ERR_ABORTED)');
  const keys = Object.keys(result.counts);
  assert.ok(keys.length > 0 && keys.every((k) => k === '00' || k === '11'), JSON.stringify(result.counts));
  assert.equal(Object.values(result.counts).reduce((a, b) => a + b, 0), 1000);
  assert.equal(result.shots, 1000);
  assert.deepEqual(result.notFound, { jobNotFound: true, arvak: true, error: true });
  assert.equal(result.submittedAtIsDate, true);
  const shown = await page.textContent('#out');
  assert.deepEqual(JSON.parse(shown), result.counts);
  await page.close();
});

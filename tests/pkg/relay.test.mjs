// The journal relay (pkg/web/relay-sw.js) as a site installs it: a service worker at the site's root
// that imports it, controlling a page served from another origin than the dev server (so its
// forwarded calls are cross-origin, as in a deployment). Checked against the server's own count of
// created jobs: a relayed submission is sent once; a resume is answered from what the relay kept
// (every time, until the page drops it), sent when the relay never got it, and reported "may
// exist" when the relay lost it; storage that refuses means "not sent"; a journaled batch on the
// page goes through the relay and leaves nothing kept when it ends.
// Needs the dev server: ARVAK_TEST_URL=http://127.0.0.1:PORT.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PKG, servePage, launchChromium } from './harness.mjs';

const SERVER = process.env.ARVAK_TEST_URL;

// Counts the requests the relay is asked to carry (a listener before the relay's own, which
// answers them), so the test can tell that the client marked its submissions.
const SW = `
let marked = 0;
self.addEventListener('fetch', (e) => { if (e.request.headers.has('x-arvak-relay')) marked++; });
self.addEventListener('message', (e) => { if (e.data === 'marked?') e.ports[0].postMessage(marked); });
importScripts('/pkg/relay-sw.js');
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
`;

const PAGE = (server) => `<!doctype html>
<html><head><meta charset="utf-8"><title>journal relay</title></head><body>
<script type="module">
const server = ${JSON.stringify(server)};
const utf8 = new TextEncoder();
const bytes = (s) => [...utf8.encode(s)];
const field = (n, b) => [(n << 3) | 2, ...varint(b.length), ...b];
function varint(v) { const out = []; while (v > 127) { out.push((v & 127) | 128); v >>>= 7; } out.push(v); return out; }
const X0 = 'OPENQASM 3.0;\\nqubit[1] q;\\nbit[1] c;\\nx q[0];\\nc = measure q;\\n';
// A grpc-web SubmitJob request: circuit { qasm3 }, backend_id "simulator", shots 16.
const message = [...field(1, field(1, bytes(X0))), ...field(2, bytes('simulator')), 3 << 3, 16];
const frame = new Uint8Array([0, 0, 0, 0, message.length, ...message]);

/** One SubmitJob through the page's fetch, marked for the relay with the header value \`relay\`. */
window.submit = async (relay) => {
  const r = await fetch(server + '/arvak.v1.ArvakService/SubmitJob', {
    method: 'POST', body: frame,
    headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', 'x-arvak-relay': relay },
  });
  const body = new Uint8Array(await r.arrayBuffer());
  let jobId = null;
  let trailer = '';
  for (let at = 0; at + 5 <= body.length;) {
    const len = new DataView(body.buffer, at + 1, 4).getUint32(0);
    const part = body.subarray(at + 5, at + 5 + len);
    if (body[at] & 0x80) trailer += new TextDecoder().decode(part);
    else if (part[0] === 0x0a) jobId = new TextDecoder().decode(part.subarray(2, 2 + part[1]));
    at += 5 + len;
  }
  const status = r.headers.get('grpc-status') ?? /grpc-status:\\s*(\\d+)/.exec(trailer)?.[1] ?? null;
  return { http: r.status, status, message: r.headers.get('grpc-message'), pushback: r.headers.get('grpc-retry-pushback-ms'), jobId };
};

/** Posts \`data\` to the controlling worker and resolves with its answer on a MessageChannel. */
window.ask = (data) => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = (e) => resolve(e.data);
  navigator.serviceWorker.controller.postMessage(data, [channel.port2]);
});

/** The relay's IndexedDB store: run \`work(store)\` in a transaction, resolve with its result. */
window.store = (mode, work) => new Promise((resolve, reject) => {
  const open = indexedDB.open('arvak-relay');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction('answers', mode);
    const req = work(tx.objectStore('answers'));
    tx.oncomplete = () => { open.result.close(); resolve(req?.result); };
    tx.onerror = () => reject(tx.error);
  };
});

const workers = navigator.serviceWorker;
await workers.register('/sw.js');
if (!workers.controller) await new Promise((resolve) => workers.addEventListener('controllerchange', resolve, { once: true }));
window.__ready = true;
</script></body></html>`;

let site;
let browser;
let page;

async function created() {
  const r = await fetch(SERVER + '/__stats');
  return (await r.json()).jobsCreated;
}

before(async () => {
  assert.ok(SERVER, 'set ARVAK_TEST_URL to the dev server');
  assert.ok(existsSync(join(PKG, 'relay-sw.js')), 'build the package first (scripts/build-pkg.sh)');
  await fetch(SERVER + '/__faults', { method: 'DELETE' });
  site = await servePage(PAGE(SERVER), { '/sw.js': SW });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(site.url);
  await page.waitForFunction(() => window.__ready === true, null, { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  await site?.close();
});

test('the relay answers the hello with its protocol version', async () => {
  assert.deepEqual(await page.evaluate(() => ask({ type: 'arvak-relay-hello' })), { type: 'arvak-relay', version: 1 });
});

test('a relayed submission is sent once; every resume gets the kept answer until the page drops it', async () => {
  const c0 = await created();
  const first = await page.evaluate(() => submit('t1.r.0'));
  assert.equal(first.status, '0', JSON.stringify(first));
  assert.ok(first.jobId);
  assert.equal(await created(), c0 + 1);
  // The page that sent it is gone (as after a reload): the resume is answered from what was kept,
  // and so is a second one (the resuming page may be left before it stored the answer).
  for (let i = 0; i < 2; i++) {
    const resumed = await page.evaluate(() => submit('t1.r.0 resume'));
    assert.equal(resumed.jobId, first.jobId, 'the same answer');
  }
  assert.equal(await created(), c0 + 1, 'nothing was sent');
  // A plain request under the key (a retry after an error answer) is sent, and its answer kept.
  const retry = await page.evaluate(() => submit('t1.r.0'));
  assert.ok(retry.jobId && retry.jobId !== first.jobId);
  assert.equal((await page.evaluate(() => submit('t1.r.0 resume'))).jobId, retry.jobId);
  assert.equal(await created(), c0 + 2);
  // The page stored the answer and dropped it: the relay keeps nothing under the key.
  await page.evaluate(() => navigator.serviceWorker.controller.postMessage({ type: 'arvak-relay-forget', key: 't1.r.0' }));
  await page.waitForFunction(() => store('readonly', (s) => s.get('t1.r.0')).then((r) => r === undefined), null, { timeout: 5000 });
});

test('a resume the relay never got is sent for the first time', async () => {
  const c0 = await created();
  const r = await page.evaluate(() => submit('t2.r.0 resume'));
  assert.equal(r.status, '0');
  assert.equal(await created(), c0 + 1);
});

test('a request the relay sent but lost the answer of is reported as "may exist", never sent again', async () => {
  // What a worker stopped mid-request leaves behind: marked sent, no answer.
  await page.evaluate(() => store('readwrite', (s) => s.put({ key: 't3.r.0', state: 'sent', at: Date.now() })));
  const c0 = await created();
  const r = await page.evaluate(() => submit('t3.r.0 resume'));
  assert.equal(r.status, '14');
  assert.match(r.message, /may have created its jobs/);
  assert.equal(await created(), c0, 'nothing was sent');
});

test('a relay whose storage refuses to record a submission does not send it, and says so with a pushback', async () => {
  const c0 = await created();
  // Another version of the relay's database without its store: the worker can no longer open it.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('arvak-relay', 2);
    open.onupgradeneeded = () => open.result.deleteObjectStore('answers');
    open.onsuccess = () => { open.result.close(); resolve(); };
    open.onerror = () => reject(open.error);
    open.onblocked = () => reject(new Error('the worker kept the database open'));
  }));
  const r = await page.evaluate(() => submit('t4.r.0'));
  assert.equal(r.status, '14', JSON.stringify(r));
  assert.match(r.message, /did not send this submission \(its storage refused/);
  assert.equal(r.pushback, '250', 'a pushback: the client knows nothing was sent');
  assert.equal(await created(), c0, 'nothing was sent');
  // And it says so to a page asking whether it relays.
  assert.deepEqual(await page.evaluate(() => ask({ type: 'arvak-relay-hello' })), { type: 'arvak-relay', version: 0 });
  // Storage back (the database deleted, the worker makes it anew): a relay again.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const del = indexedDB.deleteDatabase('arvak-relay');
    del.onsuccess = () => resolve();
    del.onerror = () => reject(del.error);
  }));
  assert.deepEqual(await page.evaluate(() => ask({ type: 'arvak-relay-hello' })), { type: 'arvak-relay', version: 1 });
});

test('a journaled batch on a relayed page goes through the relay, and leaves nothing kept', async () => {
  const c0 = await created();
  const marked0 = await page.evaluate(() => ask('marked?'));
  const result = await page.evaluate(async (server) => {
    const { default: init, ArvakClient, BatchJobManager } = await import('/pkg/index.js');
    await init();
    const client = new ArvakClient(server, { journal: 'relay-test' });
    const qasm = 'OPENQASM 3.0;\nqubit[1] q;\nbit[1] c;\nx q[0];\nc = measure q;\n';
    const batch = await new BatchJobManager(client).executeBatch(Array(12).fill(qasm), 'simulator', { shots: 16 });
    return { results: batch.results.filter((r) => r).length, failures: batch.failures.length, left: client.journalBatches().length };
  }, SERVER);
  assert.deepEqual({ results: result.results, failures: result.failures, left: result.left }, { results: 12, failures: 0, left: 0 });
  assert.equal(await created(), c0 + 12);
  assert.ok((await page.evaluate(() => ask('marked?'))) > marked0, 'the batch marked its submissions for the relay');
  // The batch's end told the relay to drop its answers (a message: give it a moment).
  await page.waitForFunction(() => store('readonly', (s) => s.getAllKeys()).then((keys) => !keys.some((k) => /^[0-9a-f]{16}\./.test(k))), null, { timeout: 5000 });
});

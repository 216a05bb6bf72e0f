// The built npm package (pkg/web) as a user imports it, run with `node --test` (Node 20).
// Needs the dev server: ARVAK_TEST_URL=http://127.0.0.1:PORT (read at run time).
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import init, {
  ArvakClient,
  JobResult,
  ArvakError,
  JobNotFoundError,
  BackendNotFoundError,
  InvalidCircuitError,
  JobFailedError,
  ArvakTimeoutError,
  ArvakAbortError,
  UnavailableError,
  UnauthenticatedError,
} from '../../pkg/web/index.js';

const SERVER = process.env.ARVAK_TEST_URL;
const BELL = 'OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\nc = measure q;\n';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

async function control(method, path, body) {
  const r = await fetch(SERVER + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(r.ok, `${method} ${path}: ${r.status}`);
  return r.json();
}

before(async () => {
  assert.ok(SERVER, 'set ARVAK_TEST_URL to the dev server, e.g. http://127.0.0.1:8080');
  const bytes = await readFile(new URL('../../pkg/web/arvak_grpc_wasm_bg.wasm', import.meta.url));
  const exports = await init({ module_or_path: bytes });
  assert.ok(exports.memory instanceof WebAssembly.Memory);
});

beforeEach(async () => {
  await control('DELETE', '/__faults');
});

test('Quick Start: Bell circuit, 1000 shots, waitForJob → only 00 and 11', async () => {
  const client = new ArvakClient(SERVER);
  const jobId = await client.submitQasm(BELL, 'simulator', { shots: 1000 });
  assert.equal(typeof jobId, 'string');
  const updates = [];
  const result = await client.waitForJob(jobId, { onUpdate: (u) => updates.push(u) });
  assert.ok(result instanceof JobResult);
  assert.equal(result.jobId, jobId);
  assert.equal(result.shots, 1000);
  const keys = Object.keys(result.counts).sort();
  assert.ok(keys.every((k) => k === '00' || k === '11'), `counts ${JSON.stringify(result.counts)}`);
  assert.equal(Object.values(result.counts).reduce((a, b) => a + b, 0), 1000);
  const p = result.probabilities();
  assert.ok(Math.abs(Object.values(p).reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.ok(['00', '11'].includes(result.mostFrequent().bitstring));
  assert.equal(result.metadata, null);
  assert.equal(JSON.parse(JSON.stringify(result)).jobId, jobId);
  assert.equal(updates.at(-1).state, 'COMPLETED');
  assert.ok(updates.at(-1).timestamp instanceof Date);
  client.close();
});

test('Date fields and null for absent values', async () => {
  const client = new ArvakClient(SERVER);
  const jobId = await client.submitQasm(BELL, 'simulator', { shots: 10 });
  await client.waitForJob(jobId);
  const job = await client.getJobStatus(jobId);
  assert.equal(job.state, 'COMPLETED');
  for (const field of ['submittedAt', 'startedAt', 'completedAt']) {
    assert.ok(job[field] instanceof Date, field);
    assert.ok(Math.abs(job[field].getTime() - Date.now()) < 120_000, field);
  }
  assert.equal(job.errorMessage, null);
  const [backend] = (await client.listBackends()).filter((b) => b.backendId === 'simulator');
  assert.ok(backend.topology === null || Array.isArray(backend.topology.edges));
});

test('errors are instanceof their class, ArvakError and Error', async () => {
  const client = new ArvakClient(SERVER);
  const cases = [
    [() => client.getJobStatus(UNKNOWN), JobNotFoundError, 'NOT_FOUND'],
    [() => client.getBackendInfo('nonexistent'), BackendNotFoundError, 'NOT_FOUND'],
    [() => client.submitQasm('invalid qasm', 'simulator'), InvalidCircuitError, 'INVALID_ARGUMENT'],
  ];
  for (const [call, cls, codeName] of cases) {
    await assert.rejects(call(), (e) => {
      assert.ok(e instanceof cls, `${e?.constructor?.name} is ${cls.name}`);
      assert.ok(e instanceof ArvakError);
      assert.ok(e instanceof Error);
      assert.equal(e.codeName, codeName);
      assert.equal(e.name, cls.name);
      assert.equal(e.tag, 'permanent');
      assert.ok(!e.message.startsWith('[permanent]'));
      return true;
    });
  }
  const failed = await client.submitQasm(BELL, 'simulator', { shots: 100001 });
  await assert.rejects(client.waitForJob(failed), (e) => e instanceof JobFailedError && e.message.includes('100001'));
  const bad = new ArvakClient('http://127.0.0.1:9');
  await assert.rejects(bad.listBackends(), (e) => e instanceof UnavailableError && /running/.test(e.message));
});

test('API key: required, then accepted from client headers', async () => {
  await control('POST', '/__faults', { apiKey: 'sekret' });
  await assert.rejects(new ArvakClient(SERVER).listBackends(), UnauthenticatedError);
  const keyed = new ArvakClient(SERVER, { headers: { 'x-api-key': 'sekret' } });
  assert.ok((await keyed.listBackends()).length >= 1);
});

test('abort rejects at once with ArvakAbortError (name "AbortError")', async () => {
  await control('POST', '/__faults', { rules: { ListBackends: { latencyMs: 2000 } } });
  const client = new ArvakClient(SERVER);
  const controller = new AbortController();
  const pending = client.listBackends({ signal: controller.signal });
  setTimeout(() => controller.abort(new Error('user left')), 50);
  const t0 = Date.now();
  await assert.rejects(pending, (e) => {
    assert.ok(e instanceof ArvakAbortError && e instanceof ArvakError);
    assert.equal(e.name, 'AbortError');
    assert.equal(e.cause?.message, 'user left');
    return true;
  });
  assert.ok(Date.now() - t0 < 1000);
  // Already aborted: rejects without a request.
  await assert.rejects(client.listBackends({ signal: AbortSignal.abort() }), ArvakAbortError);
});

test('deadline: timeoutMs rejects with ArvakTimeoutError', async () => {
  await control('POST', '/__faults', { rules: { ListBackends: { latencyMs: 2000 } } });
  const client = new ArvakClient(SERVER, { timeoutMs: 100 });
  await assert.rejects(client.listBackends(), (e) => e instanceof ArvakTimeoutError && e.name === 'TimeoutError');
});

test('watchJob is async-iterable', async () => {
  await control('POST', '/__faults', { minJobMs: 300 });
  const client = new ArvakClient(SERVER);
  const jobId = await client.submitQasm(BELL, 'simulator', { shots: 10 });
  const states = [];
  for await (const update of client.watchJob(jobId)) {
    assert.ok(update.timestamp instanceof Date);
    states.push(update.state);
  }
  assert.equal(states.at(-1), 'COMPLETED');
  assert.deepEqual(states, [...new Set(states)]);
  assert.equal(client.openStreams, 0);

  // `break` ends the subscription: the stream is closed at once.
  await control('POST', '/__faults', { minJobMs: 5000 });
  const long = await client.submitQasm(BELL, 'simulator', { shots: 10 });
  for await (const update of client.watchJob(long)) {
    assert.equal(update.state, 'RUNNING');
    assert.equal(client.openStreams, 1);
    break;
  }
  assert.equal(client.openStreams, 0);
  assert.equal((await client.cancelJob(long)).success, true);
});

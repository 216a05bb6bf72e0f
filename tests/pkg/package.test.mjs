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
  JobCancelledError,
  CircuitOpenError,
  RetryPolicy,
  CircuitBreaker,
  ResilientClient,
  JobFuture,
  BatchJobManager,
  asCompleted,
  waitAll,
  formatProgressBar,
} from '../../pkg/web/index.js';

let unhandled = 0;
process.on('unhandledRejection', () => {
  unhandled += 1;
});

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

test('JobFuture: awaitable, local state, done callbacks, cancel', async () => {
  const client = new ArvakClient(SERVER);
  const future = client.submitQasmFuture(BELL, 'simulator', { shots: 100 });
  assert.ok(future instanceof JobFuture);
  assert.equal(future.jobId, null);
  assert.equal(future.state, 'PENDING');
  assert.equal(future.done(), false);
  const result = await future;
  assert.ok(result instanceof JobResult);
  assert.equal(result.shots, 100);
  assert.equal(future.done(), true);
  assert.equal(future.running(), false);
  assert.equal(future.state, 'COMPLETED');
  assert.equal(typeof future.jobId, 'string');
  assert.equal(await future.result(), await future.result(), 'the same JobResult object');
  assert.equal(await future.exception(), null);
  assert.equal(await future.wait({ timeoutMs: 5 }), true);
  // A done future runs the callback at once, with the future itself, and only once.
  let calls = 0;
  future.addDoneCallback((f) => {
    calls += 1;
    assert.equal(f, future);
    assert.equal(f.state, 'COMPLETED');
  });
  assert.equal(calls, 1);

  // cancel() of a running job: true, the future rejects with JobCancelledError.
  await control('POST', '/__faults', { minJobMs: 5000 });
  const slow = client.submitQasmFuture(BELL, 'simulator', { shots: 10 });
  let later = 0;
  slow.addDoneCallback((f) => {
    later += 1;
    assert.ok(f.cancelled());
  });
  assert.equal(await slow.wait({ timeoutMs: 50 }), false);
  assert.equal(await slow.cancel(), true);
  await assert.rejects(slow.result(), JobCancelledError);
  await assert.rejects(async () => await slow, JobCancelledError);
  assert.ok((await slow.exception()) instanceof JobCancelledError);
  assert.equal(slow.state, 'CANCELED');
  assert.equal(await slow.cancel(), false);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(later, 1);
  const byId = JobFuture.forJob(client, UNKNOWN);
  await assert.rejects(byId.result({ timeoutMs: 5000 }), JobNotFoundError);
  client.close();
});

test('BatchJobManager round trip: results by index, failures with their index, frozen progress, futures', async () => {
  const client = new ArvakClient(SERVER, { retryPolicy: new RetryPolicy({ maxAttempts: 3, initialBackoffMs: 10 }) });
  const manager = new BatchJobManager(client, { maxWorkers: 4 });
  const snapshots = [];
  const batch = await manager.executeBatch(
    [BELL, { qasm: BELL, shots: 10 }, 'not qasm', BELL],
    'simulator',
    { shots: 50, onProgress: (p) => snapshots.push(p) },
  );
  assert.equal(batch.status, 'partial');
  assert.equal(batch.results.length, 4);
  assert.equal(batch.results[2], null);
  assert.ok(batch.results[0] instanceof JobResult);
  assert.equal(batch.results[0].shots, 50);
  assert.equal(batch.results[1].shots, 10);
  assert.equal(batch.successCount, 3);
  assert.equal(batch.failureCount, 1);
  const [failure] = batch.failures;
  assert.equal(failure.index, 2);
  assert.equal(failure.jobId, null);
  assert.equal(failure.existence, 'not_created');
  assert.ok(failure.error instanceof InvalidCircuitError && failure.error instanceof ArvakError);
  assert.ok(snapshots.length >= 4);
  assert.ok(snapshots.every((p) => Object.isFrozen(p)));
  assert.notEqual(snapshots[0], snapshots[1]);
  assert.equal(batch.progress.percentComplete, 100);
  assert.equal(batch.progress.completed + batch.progress.failed, 4);
  assert.equal(formatProgressBar(batch.progress, 10), '[██████████] 100.0% (4/4) | 1 failed');

  const futures = await manager.submitMany([BELL, BELL, BELL], 'simulator', { shots: 20 });
  assert.equal(futures.length, 3);
  assert.ok(futures.every((f) => f instanceof JobFuture && typeof f.jobId === 'string'));
  const seen = [];
  for await (const f of asCompleted(futures, { timeoutMs: 10_000 })) {
    assert.ok(f instanceof JobFuture, 'yields the futures, not their results');
    seen.push(f);
  }
  assert.equal(new Set(seen).size, 3);
  const { done, notDone } = await waitAll(futures, { returnWhen: 'FIRST_EXCEPTION' });
  assert.equal(done.length, 3);
  assert.equal(notDone.length, 0);
  const mapped = await manager.map((r) => r.shots, futures);
  assert.deepEqual(mapped, futures.map(() => ({ status: 'fulfilled', value: 20 })));

  // Abort: resolves with status "cancelled", every input listed, nothing unhandled.
  await control('POST', '/__faults', { minJobMs: 2000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const aborted = await manager.executeBatch(Array(30).fill(BELL), 'simulator', { signal: controller.signal });
  assert.equal(aborted.status, 'cancelled');
  assert.equal(aborted.failures.length, 30);
  assert.ok(aborted.failures.every((f) => f.error instanceof ArvakAbortError));
  await Promise.all(aborted.failures.filter((f) => f.jobId).map((f) => client.cancelJob(f.jobId)));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(unhandled, 0);
  client.close();
});

test('ResilientClient retries with onRetry; CircuitBreaker opens and fails fast with CircuitOpenError', async () => {
  await control('POST', '/__faults', {
    rules: { ListBackends: { failBeforeProbability: 1.0, failBeforeCode: 'UNAVAILABLE' } },
  });
  const retries = [];
  const changes = [];
  const breaker = new CircuitBreaker({ failureThreshold: 2, timeoutMs: 200, onStateChange: (c) => changes.push(`${c.from}>${c.to}`) });
  const base = new ArvakClient(SERVER);
  const policy = new RetryPolicy({ maxAttempts: 3, initialBackoffMs: 5, jitter: 'none', onRetry: (i) => retries.push(i) });
  assert.deepEqual(policy.toJSON().retryableCodes, ['UNAVAILABLE', 'UNKNOWN', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'CANCELLED']);
  const client = new ResilientClient(base, { retryPolicy: policy, circuitBreaker: breaker });
  assert.ok(client instanceof ArvakClient);
  await assert.rejects(client.listBackends(), (e) => e instanceof UnavailableError && e.attempts === 2);
  assert.deepEqual(retries.map((i) => [i.rpc, i.attempt, i.delayMs]), [['ListBackends', 1, 5]]);
  assert.ok(retries[0].error instanceof UnavailableError);
  assert.equal(breaker.state, 'open');
  assert.equal(client.circuitBreaker.state, 'open');
  await assert.rejects(client.listBackends(), (e) => {
    assert.ok(e instanceof CircuitOpenError && e instanceof ArvakError);
    assert.equal(e.attempts, 0);
    assert.ok(e.retryAfterMs > 0 && e.retryAfterMs <= 200);
    return true;
  });
  await control('DELETE', '/__faults');
  await new Promise((r) => setTimeout(r, 220));
  assert.equal(breaker.state, 'half_open');
  await client.listBackends();
  await client.listBackends();
  assert.equal(breaker.state, 'closed');
  assert.deepEqual(changes, ['closed>open', 'open>half_open', 'half_open>closed']);
  assert.throws(() => new RetryPolicy({ maxAttempts: 0 }), ArvakError);
  assert.throws(() => new RetryPolicy({ retryableCodes: ['ABORTED'] }), /ABORTED/);
  base.close();
});

// Strict TypeScript usage of the built package (pkg/web), compiled with `tsc --strict --noEmit`.
// It mirrors the README's Quick Start and checks, at the type level, that nothing on the public
// surface is `any`.
import init, {
  ArvakClient,
  JobResult,
  ArvakError,
  JobNotFoundError,
  BackendNotFoundError,
  InvalidCircuitError,
  JobNotCompletedError,
  JobFailedError,
  JobCancelledError,
  ResultExpiredError,
  ArvakTimeoutError,
  ArvakAbortError,
  UnavailableError,
  RateLimitedError,
  UnauthenticatedError,
  CircuitOpenError,
  RetryPolicy,
  CircuitBreaker,
  ResilientClient,
  JobFuture,
  BatchJobManager,
  asCompleted,
  waitAll,
  formatProgressBar,
  printProgressBar,
  type ArvakWasmExports,
  type BatchFailure,
  type BatchProgress,
  type BatchResult,
  type BatchStatus,
  type BreakerStateChange,
  type CircuitState,
  type ExecuteBatchOptions,
  type JobFutureState,
  type MapOutcome,
  type ResilienceOptions,
  type RetryInfo,
  type RetryPolicyOptions,
  type WaitAllResult,
  type BackendInfo,
  type BatchCircuit,
  type CancelResult,
  type ClientOptions,
  type Job,
  type JobStateName,
  type JobUpdate,
  type JobWatch,
  type MostFrequent,
  type ResultChunk,
  type WaitOptions,
} from "arvak-grpc-wasm";

// ---------------------------------------------------------------- no `any` anywhere we can reach
type IsAny<T> = 0 extends 1 & T ? true : false;
type Not<T extends boolean> = T extends true ? false : true;
type Assert<T extends true> = T;
type NoAny<T> = Not<IsAny<T>>;
type Method = (...args: never[]) => unknown;
type MethodsHaveNoAny<C> = {
  [K in keyof C]-?: C[K] extends Method
    ? NoAny<ReturnType<C[K]>> extends true
      ? NoAny<Awaited<ReturnType<C[K]>>> extends true
        ? AllNoAny<Parameters<C[K]>>
        : false
      : false
    : NoAny<C[K]>;
}[keyof C];
type AllNoAny<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? NoAny<H> extends true
    ? AllNoAny<R>
    : false
  : true;
type FieldsHaveNoAny<T> = { [K in keyof T]-?: NoAny<T[K]> }[keyof T];

export type Checks = [
  Assert<MethodsHaveNoAny<ArvakClient>>,
  Assert<MethodsHaveNoAny<JobResult>>,
  Assert<MethodsHaveNoAny<ArvakError>>,
  Assert<FieldsHaveNoAny<Job>>,
  Assert<FieldsHaveNoAny<JobUpdate>>,
  Assert<FieldsHaveNoAny<BackendInfo>>,
  Assert<FieldsHaveNoAny<ClientOptions>>,
  Assert<FieldsHaveNoAny<WaitOptions>>,
  Assert<FieldsHaveNoAny<ResultChunk>>,
  Assert<FieldsHaveNoAny<MostFrequent>>,
  Assert<FieldsHaveNoAny<CancelResult>>,
  Assert<NoAny<Awaited<ReturnType<typeof init>>>>,
  Assert<NoAny<ArvakWasmExports["memory"]>>,
  Assert<NoAny<Parameters<typeof init>[0]>>,
  Assert<MethodsHaveNoAny<RetryPolicy>>,
  Assert<MethodsHaveNoAny<CircuitBreaker>>,
  Assert<MethodsHaveNoAny<JobFuture>>,
  Assert<MethodsHaveNoAny<BatchJobManager>>,
  Assert<MethodsHaveNoAny<CircuitOpenError>>,
  Assert<FieldsHaveNoAny<BatchResult>>,
  Assert<FieldsHaveNoAny<BatchProgress>>,
  Assert<FieldsHaveNoAny<BatchFailure>>,
  Assert<FieldsHaveNoAny<RetryInfo>>,
  Assert<FieldsHaveNoAny<RetryPolicyOptions>>,
  Assert<FieldsHaveNoAny<ResilienceOptions>>,
  Assert<FieldsHaveNoAny<ExecuteBatchOptions>>,
  Assert<FieldsHaveNoAny<BreakerStateChange>>,
  Assert<FieldsHaveNoAny<WaitAllResult>>,
  Assert<NoAny<Awaited<JobFuture>>>,
  Assert<NoAny<ReturnType<typeof asCompleted>>>,
  Assert<NoAny<Awaited<ReturnType<typeof waitAll>>>>,
  Assert<NoAny<ReturnType<typeof formatProgressBar>>>,
  Assert<NoAny<InstanceType<typeof ResilientClient>>>,
];

// ---------------------------------------------------------------- Quick Start
const BELL = `OPENQASM 3.0;
qubit[2] q;
h q[0];
cx q[0], q[1];`;

export async function quickStart(url: string): Promise<Record<string, number>> {
  const exports: ArvakWasmExports = await init();
  const pages: number = exports.memory.buffer.byteLength / 65536;
  void pages;

  const client = new ArvakClient(url, { timeoutMs: 10_000, headers: { "x-api-key": "k" } });
  const backends: BackendInfo[] = await client.listBackends();
  const sim = backends.find((b) => b.backendId === "simulator");
  const gates: string[] = sim?.supportedGates ?? [];
  const edges: Array<[number, number]> = sim?.topology?.edges ?? [];
  void gates;
  void edges;

  const jobId: string = await client.submitQasm(BELL, "simulator", { shots: 1000 });
  const job: Job = await client.getJobStatus(jobId);
  const state: JobStateName = job.state;
  const submitted: Date | null = job.submittedAt;
  void state;
  void submitted;

  const result: JobResult = await client.waitForJob(jobId, {
    pollIntervalMs: 500,
    maxWaitMs: 60_000,
    strategy: "auto",
    onUpdate: (u: JobUpdate) => console.log(u.state, u.timestamp?.toISOString(), u.source),
  });
  const counts: Readonly<Record<string, number>> = result.counts;
  const probabilities: Record<string, number> = result.probabilities();
  const top: MostFrequent | null = result.mostFrequent();
  const execMs: number | null = result.executionTimeMs;
  void probabilities;
  void top?.bitstring;
  void execMs;
  return { ...counts };
}

// ---------------------------------------------------------------- many jobs, batches, streams
export async function manyJobs(client: ArvakClient): Promise<number> {
  const circuits: BatchCircuit[] = [BELL, { qasm: BELL, shots: 10 }, { circuit: BELL, optimizationLevel: 0 }];
  const ids: string[] = await client.submitBatch(circuits, "simulator", { format: "qasm3", shots: 100 });
  const results: JobResult[] = await Promise.all(ids.map((id) => client.waitForJob(id)));
  const streamed: JobResult = await client.streamResults(ids[0] ?? "", {
    chunkSize: 2,
    onChunk: (c: ResultChunk) => void c.isFinal,
  });
  const watch: JobWatch = client.watchJob(ids[1] ?? "", { emitRepeats: false });
  for await (const update of watch) {
    const s: JobStateName = update.state;
    if (s === "COMPLETED") break;
  }
  watch.close();
  const cancelled: CancelResult = await client.cancelJob(ids[2] ?? "");
  void cancelled.success;
  client.close();
  return results.length + streamed.shots;
}

// ---------------------------------------------------------------- error handling
export async function errors(client: ArvakClient, jobId: string): Promise<string> {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  try {
    return (await client.getJobResult(jobId, { signal: controller.signal, timeoutMs: 5000 })).jobId;
  } catch (e: unknown) {
    if (e instanceof JobNotFoundError) return `no such job: ${e.jobId ?? e.message}`;
    if (e instanceof BackendNotFoundError) return `no such backend: ${e.backendId ?? ""}`;
    if (e instanceof InvalidCircuitError) return e.message;
    if (e instanceof JobNotCompletedError) return "not yet";
    if (e instanceof JobFailedError) return `failed: ${e.message}`;
    if (e instanceof JobCancelledError) return "cancelled";
    if (e instanceof ResultExpiredError) return "expired";
    if (e instanceof ArvakTimeoutError) return `timeout (${e.codeName})`;
    if (e instanceof ArvakAbortError) return `aborted: ${String(e.cause)}`;
    if (e instanceof UnavailableError) return `unavailable: ${e.message}`;
    if (e instanceof RateLimitedError) return "slow down";
    if (e instanceof UnauthenticatedError) return "check x-api-key";
    if (e instanceof ArvakError) {
      const code: number = e.code;
      const rpc: string | null = e.rpc;
      const tag: "permanent" | "transient" | null = e.tag;
      const meta: Record<string, string> = e.metadata;
      const attempts: number = e.attempts;
      return `${code} ${rpc ?? ""} ${tag ?? ""} ${Object.keys(meta).length} ${attempts}`;
    }
    throw e;
  }
}

// ---------------------------------------------------------------- Phase 2: resilience, futures, batches
export async function phase2(url: string, signal: AbortSignal): Promise<string> {
  const retry = new RetryPolicy({
    maxAttempts: 5,
    initialBackoffMs: 200,
    maxBackoffMs: 5_000,
    backoffMultiplier: 2,
    jitter: "full",
    strategy: "exponential",
    retryableCodes: ["UNAVAILABLE", "DEADLINE_EXCEEDED", 8],
    onRetry: (info: RetryInfo) => console.log(info.rpc, info.attempt, info.delayMs, info.error.codeName),
  });
  const json: Required<Omit<RetryPolicyOptions, "onRetry">> = retry.toJSON();
  void json.maxAttempts;
  const breaker = new CircuitBreaker({
    failureThreshold: 5,
    successThreshold: 2,
    timeoutMs: 30_000,
    halfOpenMaxCalls: 1,
    onStateChange: (c: BreakerStateChange) => console.log(c.from, "->", c.to, c.at.toISOString()),
  });
  const state: CircuitState = breaker.state;
  const wait: number | null = breaker.retryAfterMs;
  void state;
  void wait;
  const options: ResilienceOptions = { retryPolicy: retry, circuitBreaker: breaker, retryBudget: { maxTokens: 20, tokenRatio: 0.2 } };
  const base = new ArvakClient(url, { timeoutMs: 10_000, ...options });
  const client: ArvakClient = new ResilientClient(base, { retryPolicy: { maxAttempts: 3 }, circuitBreaker: breaker });
  const shared: CircuitBreaker | null = client.circuitBreaker;
  void shared;

  try {
    await client.listBackends();
  } catch (e: unknown) {
    if (e instanceof CircuitOpenError) return `open; retry in ${e.retryAfterMs} ms`;
  }

  const future: JobFuture = client.submitQasmFuture(BELL, "simulator", { shots: 100, pollIntervalMs: 500 });
  const id: string | null = future.jobId;
  const fs: JobFutureState = future.state;
  void id;
  void fs;
  future.addDoneCallback((f: JobFuture) => console.log(f.done(), f.cancelled(), f.running()));
  const result: JobResult = await future;
  const again: JobResult = await future.result({ timeoutMs: 1_000 });
  const exc = await future.exception();
  const finished: boolean = await future.wait({ timeoutMs: 10 });
  const cancelled: boolean = await future.cancel();
  void again;
  void exc?.codeName;
  void finished;
  void cancelled;
  const batchFutures: JobFuture[] = client.submitBatchFuture([BELL, { qasm: BELL, shots: 10 }], "simulator", { maxWaits: 4 });
  const byId: JobFuture = JobFuture.forJob(client, result.jobId);
  for await (const f of asCompleted([...batchFutures, byId], { timeoutMs: 60_000 })) {
    const r: JobResult = await f;
    void r;
  }
  const { done, notDone }: WaitAllResult = await waitAll(batchFutures, { returnWhen: "FIRST_EXCEPTION", timeoutMs: 5_000 });
  void done;
  void notDone;

  const manager = new BatchJobManager(client, { maxWorkers: 10, submitBatchSize: 25, maxSubmitsPerSecond: 100, maxStreams: 2, pollIntervalMs: 1000 });
  const batch: BatchResult = await manager.executeBatch([BELL, BELL], "simulator", {
    shots: 100,
    timeoutMs: 60_000,
    failFast: false,
    signal,
    onProgress: (p: BatchProgress) => printProgressBar(p, 40),
  });
  const status: BatchStatus = batch.status;
  const first: JobResult | null = batch.results[0] ?? null;
  for (const f of batch.failures) {
    const existence: "created" | "not_created" | "maybe_created" = f.existence;
    console.log(f.index, f.jobId ?? "-", f.error.message, existence);
  }
  const futures: JobFuture[] = await manager.submitMany([BELL], "simulator", { signal });
  const mapped: Array<MapOutcome<unknown>> = await manager.map((r: JobResult) => r.shots, futures, { timeoutMs: 1_000 });
  for await (const f of manager.asCompleted(futures)) void f.jobId;
  void mapped;
  void first;

  // The job journal: list and resume after a reload; a fetch hook and a message size limit.
  const journaled = new ArvakClient("http://127.0.0.1:8080", {
    journal: "usage",
    maxReceiveMessageBytes: 8 * 1024 * 1024,
    fetch: (request: RequestInfo | URL, init?: RequestInit) => fetch(request, init),
  });
  const name: string | null = journaled.journalName;
  await journaled.submitQasm(BELL, "simulator", { shots: 10, label: "Bell" });
  for (const j of journaled.journalJobs()) {
    const at: Date | null = j.submittedAt;
    const label: string | null = j.label;
    await journaled.waitForJob(j.jobId);
    void at, label;
  }
  for (const b of journaled.journalBatches()) {
    const counts: number = b.total + b.submitted + b.inDoubt;
    const resumed: BatchResult = await new BatchJobManager(journaled).resumeBatch(b.batchId, { timeoutMs: 60_000, onProgress: (p) => void p.total });
    void counts, resumed;
    journaled.forgetBatch(b.batchId);
  }
  journaled.forgetJob("id");
  void name;
  return `${status} ${formatProgressBar(batch.progress, 20)} ${batch.totalTimeMs} ${batch.successCount} ${batch.failureCount}`;
}

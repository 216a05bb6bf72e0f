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
  type ArvakWasmExports,
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

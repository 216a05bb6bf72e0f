//! TypeScript declarations of the option and data shapes (no `any` on the public surface).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A job's state. RESULT_EXPIRED is terminal (the result was purged). */
export type JobStateName =
  | "UNSPECIFIED" | "QUEUED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELED" | "RESULT_EXPIRED";

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Options of `new ArvakClient(url, options)` (resilience options included). */
export interface ClientOptions extends ResilienceOptions {
  /** Default deadline of every call in ms (default 30000; `Infinity` = none). Sent as `grpc-timeout`. */
  timeoutMs?: number;
  /** Headers sent with every call, e.g. `{ "x-api-key": key }`. */
  headers?: Record<string, string>;
  /** fetch `credentials` mode (default "same-origin"). */
  credentials?: "omit" | "same-origin" | "include";
  /** At most this many unary calls in flight; more queue (default: unlimited). */
  maxConcurrency?: number;
  /** At most this many WatchJob streams for `waitForJob` "auto" (default 2; browsers allow 6 HTTP/1.1 connections per origin, each open stream holds one). */
  maxStreams?: number;
}

/** Options every method accepts. */
export interface CallOptions {
  /** Aborts the call: it rejects at once with `ArvakAbortError` and the request is cancelled. */
  signal?: AbortSignal;
  /** This call's deadline in ms (default: the client's `timeoutMs`; `Infinity` = none). */
  timeoutMs?: number;
  /** Extra headers for this call (override the client's). */
  headers?: Record<string, string>;
}

/** Options of `submitQasm` / `submitCircuitJson`. */
export interface SubmitOptions extends CallOptions {
  /** Shots (default 1024). */
  shots?: number;
  /** Compiler optimisation level (default 0; >= 1 widens simulator keys to 20 bits). */
  optimizationLevel?: number;
}

/** Per-circuit settings in `submitBatch`. */
export interface BatchCircuitSettings {
  /** Shots (default: the batch's `shots`, else 1024). */
  shots?: number;
  /** Optimisation level (default: the batch's, else 0). */
  optimizationLevel?: number;
}

/** One circuit of `submitBatch`: a string (read per `format`) or an object naming its format. */
export type BatchCircuit =
  | string
  | (BatchCircuitSettings & { qasm: string })
  | (BatchCircuitSettings & { json: string })
  | (BatchCircuitSettings & { circuit: string });

/** Options of `submitBatch`. */
export interface BatchOptions extends CallOptions, BatchCircuitSettings {
  /** How string circuits and `{ circuit }` entries are read (default "qasm3"). */
  format?: "qasm3" | "json";
}

/** Options of `waitForJob`. */
export interface WaitOptions extends CallOptions {
  /** Longest pause between status polls in ms (default 1000; polls start at once and back off 25, 50, 100, … ms). */
  pollIntervalMs?: number;
  /** Give up after this many ms with `ArvakTimeoutError` (the job is not cancelled). Default: no limit. */
  maxWaitMs?: number;
  /** "auto" (default): WatchJob while under the stream cap, else polling; "watch": always the stream; "poll": polling only. */
  strategy?: "auto" | "watch" | "poll";
  /** Called once per state change. Exceptions are reported on the console and ignored. */
  onUpdate?: (update: JobUpdate) => void;
}

/** Options of `watchJob`. `timeoutMs`, when given, bounds the whole subscription. */
export interface WatchOptions extends CallOptions {
  /** Also yield the server's periodic repeats of an unchanged state (default false). */
  emitRepeats?: boolean;
}

/** Options of `streamResults`. */
export interface StreamResultsOptions extends CallOptions {
  /** Max entries per chunk (default: the server's 1000). */
  chunkSize?: number;
  /** Called for every chunk. Exceptions are reported on the console and ignored. */
  onChunk?: (chunk: ResultChunk) => void;
}

/** A job. Timestamps have 1 s resolution; `null` when not (yet) set. */
export interface Job {
  jobId: string;
  state: JobStateName;
  submittedAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  backendId: string;
  shots: number;
  /** The failure text of a FAILED job, else null. */
  errorMessage: string | null;
}

/** A state observation from the WatchJob stream or a status poll. */
export interface JobUpdate {
  jobId: string;
  state: JobStateName;
  /** Server clock (stream) or client clock (poll). */
  timestamp: Date | null;
  errorMessage: string | null;
  source: "watch" | "poll";
}

/** A backend's coupling map (spec: `kind` is a name or a single-key object with parameters). */
export interface BackendTopology {
  kind: string | { [kind: string]: JsonValue };
  edges: Array<[number, number]>;
  [key: string]: JsonValue;
}

/** A backend's capabilities. */
export interface BackendInfo {
  backendId: string;
  name: string;
  isAvailable: boolean;
  maxQubits: number;
  maxShots: number;
  description: string;
  supportedGates: string[];
  /** null when the server sent none, `{}` or invalid JSON. */
  topology: BackendTopology | null;
}

/** The answer of `cancelJob`. */
export interface CancelResult {
  /** Whether this call cancelled the job (false for an already-terminal job). */
  success: boolean;
  message: string;
}

/** The most frequent outcome of a result. */
export interface MostFrequent {
  bitstring: string;
  count: number;
  probability: number;
}

/** One chunk of `streamResults`. */
export interface ResultChunk {
  chunkIndex: number;
  totalChunks: number;
  isFinal: boolean;
  counts: Readonly<Record<string, number>>;
}

/** The plain data of a `JobResult` (what `JSON.stringify` writes). */
export interface JobResultData {
  jobId: string;
  counts: Readonly<Record<string, number>>;
  shots: number;
  executionTimeMs: number | null;
  metadata: JsonValue | null;
}

/** The subscription returned by `watchJob`: `for await (const update of watch) { … }`. */
export interface JobWatch extends AsyncIterableIterator<JobUpdate> {
  /** Ends the subscription now (the stream is cancelled). */
  close(): void;
}

/** The fields every `ArvakError` carries (an `ArvakError` instance has them; see its class). */
export interface ArvakErrorInfo extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly rpc: string | null;
  readonly tag: "permanent" | "transient" | null;
  readonly metadata: Record<string, string>;
  readonly attempts: number;
  readonly jobId: string | null;
  readonly backendId: string | null;
}

/** Status codes `retryableCodes` may hold (the others are never retried: see the README). */
export type RetryableCodeName =
  | "CANCELLED" | "UNKNOWN" | "DEADLINE_EXCEEDED" | "RESOURCE_EXHAUSTED" | "INTERNAL" | "UNAVAILABLE";

/** What `onRetry` is told before the client sleeps and tries again. */
export interface RetryInfo {
  /** The RPC, e.g. "GetJobStatus". */
  rpc: string;
  /** The attempt that failed (1-based); the next one is `attempt + 1`. */
  attempt: number;
  /** The pause before the next attempt (the server's pushback if it sent one). */
  delayMs: number;
  /** Why the attempt failed. */
  error: ArvakErrorInfo;
}

/** Options of `new RetryPolicy(options)` (or a plain object with these fields as `retryPolicy`). */
export interface RetryPolicyOptions {
  /** Attempts per call, the first included (default 3; 1 disables retries; at most 100). */
  maxAttempts?: number;
  /** First backoff in ms (default 1000). */
  initialBackoffMs?: number;
  /** Longest backoff in ms, jitter included (default 60000). */
  maxBackoffMs?: number;
  /** Growth factor of exponential backoff (default 2, >= 1). */
  backoffMultiplier?: number;
  /** "full" (default, same as true): uniform in [0, d]; "equal": [d/2, d]; "none" (false): d. */
  jitter?: "full" | "equal" | "none" | boolean;
  /** "exponential" (default), "linear" or "constant". */
  strategy?: "exponential" | "linear" | "constant";
  /** Codes worth retrying (default UNAVAILABLE, UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED). */
  retryableCodes?: Array<RetryableCodeName | number>;
  /** Called before each retry. Exceptions are reported on the console and ignored. */
  onRetry?: (info: RetryInfo) => void;
}

/** A circuit breaker's state. */
export type CircuitState = "closed" | "open" | "half_open";

/** What `onStateChange` is told. */
export interface BreakerStateChange {
  from: CircuitState;
  to: CircuitState;
  at: Date;
}

/** Options of `new CircuitBreaker(options)` (or a plain object with these fields as `circuitBreaker`). */
export interface CircuitBreakerOptions {
  /** Consecutive server/transport failures that open it (default 5). */
  failureThreshold?: number;
  /** Successful probes that close it again (default 2). */
  successThreshold?: number;
  /** How long it stays open before a probe, in ms (default 60000). */
  timeoutMs?: number;
  /** Probes in flight at once while half-open (default 1). */
  halfOpenMaxCalls?: number;
  /** Called on every state change. Exceptions are reported on the console and ignored. */
  onStateChange?: (change: BreakerStateChange) => void;
}

/** The client-wide retry budget (gRFC A6): retries stop while tokens <= maxTokens / 2. */
export interface RetryBudgetOptions {
  /** Bucket size (default 10). Each counted failure costs 1 token. */
  maxTokens?: number;
  /** Tokens back per successful attempt (default 0.1). */
  tokenRatio?: number;
}

/** Retry, breaker, budget and pacing options of `ArvakClient` and `ResilientClient`. */
export interface ResilienceOptions {
  /** Retry policy. `ArvakClient` default: none (one attempt); `ResilientClient` default: `new RetryPolicy()`. `true`: defaults, `false`: none. */
  retryPolicy?: RetryPolicy | RetryPolicyOptions | boolean;
  /** Same as `retryPolicy`. */
  retry?: RetryPolicy | RetryPolicyOptions | boolean;
  /** Circuit breaker (default: none). Pass one `CircuitBreaker` to several clients to share it. */
  circuitBreaker?: CircuitBreaker | CircuitBreakerOptions | boolean;
  /** Retry budget (default `{ maxTokens: 10, tokenRatio: 0.1 }`; `false`: unlimited). */
  retryBudget?: RetryBudgetOptions | boolean;
  /** The server's per-IP job rate if known (default: learned from its first RESOURCE_EXHAUSTED). */
  maxSubmitsPerSecond?: number;
}

/**
 * `new ResilientClient(client, options)`: an `ArvakClient` sharing `client`'s URL, headers, limits
 * and `close()`, with its own retry policy (default `new RetryPolicy()`), circuit breaker and budget.
 */
export declare const ResilientClient: {
  new (client: ArvakClient, options?: ResilienceOptions): ArvakClient;
  (client: ArvakClient, options?: ResilienceOptions): ArvakClient;
};

/** A `JobFuture`'s local state. */
export type JobFutureState = "PENDING" | JobStateName;

/** How a future waits for its job (as in `waitForJob`). */
export interface FutureWaitSettings {
  /** Longest pause between status polls in ms (default 1000). */
  pollIntervalMs?: number;
  /** "auto" (default), "watch" or "poll". */
  strategy?: "auto" | "watch" | "poll";
}

/** Options of `jobFuture` / `JobFuture.forJob`: every call's options plus how to wait. */
export interface JobFutureOptions extends CallOptions, FutureWaitSettings {}

/** Options of `submitQasmFuture`. */
export interface FutureOptions extends SubmitOptions, FutureWaitSettings {}

/** Options of `submitBatchFuture`. */
export interface BatchFutureOptions extends BatchOptions, FutureWaitSettings {
  /** Jobs waited for at a time (default 10). */
  maxWaits?: number;
}

/** Options of `JobFuture.result()` / `exception()` / `wait()` and of `asCompleted` / `map`. */
export interface FutureWaitOptions {
  /** Give up waiting after this many ms (the job keeps running). */
  timeoutMs?: number;
  /** Stops waiting (not the job). */
  signal?: AbortSignal;
}

/** Options of `waitAll`. */
export interface WaitAllOptions {
  returnWhen?: "ALL_COMPLETED" | "FIRST_COMPLETED" | "FIRST_EXCEPTION";
  timeoutMs?: number;
}

/** What `waitAll` resolves to (input order). */
export interface WaitAllResult {
  done: JobFuture[];
  notDone: JobFuture[];
}

export interface JobFuture extends PromiseLike<JobResult> {
  /** The error the future settled with, or null after a success. Waits like `result()`; rejects only on that wait's own timeout or abort. */
  exception(options?: FutureWaitOptions): Promise<ArvakErrorInfo | null>;
  /** Whether the future settles within `timeoutMs` (default: no limit); never rejects for the job. */
  wait(options?: FutureWaitOptions): Promise<boolean>;
  /** Runs `fn(future)` once: at once if already done, else when it settles. Exceptions are reported on the console. */
  addDoneCallback(fn: (future: JobFuture) => void): void;
}

/** One entry of `map`'s answer (like `Promise.allSettled`). */
export type MapOutcome<T> = { status: "fulfilled"; value: T } | { status: "rejected"; reason: unknown };

/** Options of `new BatchJobManager(client, options)`. */
export interface BatchManagerOptions {
  /** Concurrent submissions and concurrent waits (default 10, at most 100). */
  maxWorkers?: number;
  /** Largest SubmitBatch chunk, used only where it cannot be cut part-way (default 25; 1 = SubmitJob only). */
  submitBatchSize?: number;
  /** The server's per-IP job rate if known (default: learned from its first RESOURCE_EXHAUSTED). */
  maxSubmitsPerSecond?: number;
  /** WatchJob streams the manager's waits may hold (default 2; the rest poll). */
  maxStreams?: number;
  /** Longest pause between status polls of a polled wait (default 1000). */
  pollIntervalMs?: number;
}

/** An immutable progress snapshot (a new frozen object per callback). */
export interface BatchProgress {
  readonly total: number;
  /** Inputs whose job exists (monotonic). */
  readonly submitted: number;
  readonly completed: number;
  readonly failed: number;
  /** Unfinished inputs whose job exists. */
  readonly running: number;
  /** Unfinished inputs without a job yet. */
  readonly pending: number;
  readonly elapsedMs: number;
  /** Estimated ms to the end; null until an input has finished. */
  readonly etaMs: number | null;
  /** (completed + failed) / total × 100. */
  readonly percentComplete: number;
  readonly isComplete: boolean;
}

/** Options of `executeBatch` and `submitMany`. */
export interface ExecuteBatchOptions extends BatchCircuitSettings {
  /** Deadline of the whole batch in ms: then status "timed_out", unfinished jobs cancelled and listed. */
  timeoutMs?: number;
  /** Stop at the first failure: cancel the rest and report them. */
  failFast?: boolean;
  /** Abort: stops all traffic and timers at once; status "cancelled". */
  signal?: AbortSignal;
  /** A snapshot after every change. Exceptions are reported on the console and ignored. */
  onProgress?: (progress: BatchProgress) => void;
  /** How string circuits are read (default "qasm3"). */
  format?: "qasm3" | "json";
}

/** An input that did not produce a result. */
export interface BatchFailure {
  /** Its index in the input list. */
  index: number;
  /** Its job id, when a job is known to exist. */
  jobId: string | null;
  error: ArvakErrorInfo;
  /** "created": the job exists (id given); "not_created": no job; "maybe_created": a job may exist but its id is unknown (never resubmitted, to avoid running it twice). */
  existence: "created" | "not_created" | "maybe_created";
}

/** How a batch ended. */
export type BatchStatus = "completed" | "partial" | "failed" | "timed_out" | "cancelled";

/** What `executeBatch` resolves to. Every input is in exactly one of `results` (non-null) and `failures`. */
export interface BatchResult {
  /** By input index: the result, or null for a failed input. */
  results: Array<JobResult | null>;
  /** Ascending by index. */
  failures: BatchFailure[];
  status: BatchStatus;
  progress: BatchProgress;
  totalTimeMs: number;
  successCount: number;
  failureCount: number;
}
"#;

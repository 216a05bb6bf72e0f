//! TypeScript declarations of the option and data shapes (no `any` on the public surface).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A job's state. RESULT_EXPIRED is terminal (the result was purged). */
export type JobStateName =
  | "UNSPECIFIED" | "QUEUED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELED" | "RESULT_EXPIRED";

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Options of `new ArvakClient(url, options)`. */
export interface ClientOptions {
  /** Default deadline of every call in ms (default 30000; `Infinity` = none). Sent as `grpc-timeout`. */
  timeoutMs?: number;
  /** Headers sent with every call, e.g. `{ "x-api-key": key }`. */
  headers?: Record<string, string>;
  /** fetch `credentials` mode (default "same-origin"). */
  credentials?: "omit" | "same-origin" | "include";
  /** At most this many unary calls in flight; more queue (default: unlimited). */
  maxConcurrency?: number;
  /** At most this many WatchJob streams for `waitForJob` "auto" (default 4; browsers allow 6 HTTP/1.1 connections per origin). */
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
"#;

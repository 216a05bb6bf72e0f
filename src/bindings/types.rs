//! TypeScript declarations of the option and data shapes (no `any` on the public surface).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A job's state. RESULT_EXPIRED is terminal (the result was purged). */
export type JobStateName =
  | "UNSPECIFIED" | "QUEUED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELED" | "RESULT_EXPIRED";

/** Computes the headers of every attempt (e.g. a fresh token); may return a promise. A throw or rejection fails the call before it is sent. */
export type HeaderFunction = (ctx: HeaderContext) => Record<string, string> | Promise<Record<string, string>>;

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One circuit of `submitBatch`: a string (read per `format`) or an object naming its format. */
export type BatchCircuit = string | BatchCircuitObject;

/** A backend's coupling map (spec: `kind` is a name or a single-key object with parameters). */
export interface BackendTopology {
  kind: string | { [kind: string]: JsonValue };
  edges: Array<[number, number]>;
  [key: string]: JsonValue;
}

/** The subscription returned by `watchJob`: `for await (const update of watch) { … }`. */
export interface JobWatch extends AsyncIterableIterator<JobUpdate> {
  /** Ends the subscription now (the stream is cancelled). */
  close(): void;
}

/** The fields every `ArvakError` carries (an `ArvakError` instance has them; see its class). */
export interface ArvakErrorInfo extends Error {
  // BEGIN generated fields from the ErrorField table in src/logic/error.rs
  /** gRPC status code (client-side: 1 CANCELLED for aborts, 4 DEADLINE_EXCEEDED for deadlines, 14 UNAVAILABLE for failed fetches). */
  readonly code: number;
  /** The code's canonical name, e.g. "NOT_FOUND". */
  readonly codeName: string;
  /** The RPC that failed, e.g. "GetJobResult"; null for failures outside an RPC. */
  readonly rpc: string | null;
  /** The server's `[permanent]`/`[transient]` message tag (removed from `message`); information only. */
  readonly tag: "permanent" | "transient" | null;
  /** Response metadata (trailers) that came with the status. */
  readonly metadata: Record<string, string>;
  /** Attempts made: 1 + retries (a retry policy can make it more than 1); 0 when the circuit breaker refused the call without sending it. */
  readonly attempts: number;
  /** The job the call was about, if any. */
  readonly jobId: string | null;
  /** The backend the call was about, if any. */
  readonly backendId: string | null;
  // END generated
}

/** Status codes `retryableCodes` may hold (the others are never retried: see the README). */
export type RetryableCodeName =
  | "CANCELLED" | "UNKNOWN" | "DEADLINE_EXCEEDED" | "RESOURCE_EXHAUSTED" | "INTERNAL" | "UNAVAILABLE";

/** A circuit breaker's state. */
export type CircuitState = "closed" | "open" | "half_open";

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

/** How a batch ended. */
export type BatchStatus = "completed" | "partial" | "failed" | "timed_out" | "cancelled";

"#;

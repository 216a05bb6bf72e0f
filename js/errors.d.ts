/** Options of the error constructors (the client fills them; useful for test doubles). */
export interface ArvakErrorOptions {
  // BEGIN generated options from the ErrorField table in src/logic/error.rs
  /** gRPC status code (client-side: 1 CANCELLED for aborts, 4 DEADLINE_EXCEEDED for deadlines, 14 UNAVAILABLE for failed fetches). */
  code?: number;
  /** The code's canonical name, e.g. "NOT_FOUND". */
  codeName?: string;
  /** The RPC that failed, e.g. "GetJobResult"; null for failures outside an RPC. */
  rpc?: string | null;
  /** The server's `[permanent]`/`[transient]` message tag (removed from `message`); information only. */
  tag?: "permanent" | "transient" | null;
  /** Response metadata (trailers) that came with the status. */
  metadata?: Record<string, string>;
  /** Attempts made: 1 + retries (a retry policy can make it more than 1); 0 when the circuit breaker refused the call without sending it. */
  attempts?: number;
  /** The job the call was about, if any. */
  jobId?: string | null;
  /** The backend the call was about, if any. */
  backendId?: string | null;
  // END generated
  cause?: unknown;
  retryAfterMs?: number;
}

/** Base class of every error the client rejects with. */
export class ArvakError extends Error {
  constructor(message: string, options?: ArvakErrorOptions);
  /** A short title of the error class for people, e.g. "Unknown job". */
  static readonly title: string;
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
// BEGIN generated from the ErrorKind table in src/logic/error.rs (cargo test checks it; ARVAK_BLESS=1 cargo test --test generated_js rewrites it)
/** The job id is unknown (or was evicted). */
export class JobNotFoundError extends ArvakError {}
/** The backend id is unknown. */
export class BackendNotFoundError extends ArvakError {}
/** The circuit was rejected at submission (parse error, unsupported format, complexity limit). */
export class InvalidCircuitError extends ArvakError {}
/** The job has no result (yet): it is QUEUED or RUNNING. */
export class JobNotCompletedError extends ArvakError {}
/** The job ended FAILED; `message` is the server's error text. */
export class JobFailedError extends ArvakError {}
/** The job was cancelled. */
export class JobCancelledError extends ArvakError {}
/** The job completed but its result has expired on the server (RESULT_EXPIRED). */
export class ResultExpiredError extends ArvakError {}
/** A deadline ran out (`timeoutMs`, `maxWaitMs`, or the server's timeout). Its `name` is "TimeoutError". */
export class ArvakTimeoutError extends ArvakError {}
/** The call was aborted through its signal, or the client was closed. Its `name` is "AbortError". */
export class ArvakAbortError extends ArvakError {}
/** Transport failure, server unreachable, or a malformed response (the message says what to check). */
export class UnavailableError extends ArvakError {}
/** The server refused work for now (rate, concurrency or queue limit). */
export class RateLimitedError extends ArvakError {}
/** Missing or wrong API key. */
export class UnauthenticatedError extends ArvakError {}
/** The circuit breaker refused the call without sending it (the server failed repeatedly); `retryAfterMs` says when it will let one through. */
export class CircuitOpenError extends ArvakError {}
// END generated
export interface CircuitOpenError {
  /** Milliseconds until the breaker lets a call through again. */
  readonly retryAfterMs: number;
}

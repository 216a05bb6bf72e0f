// Error classes of arvak-grpc-wasm, defined once so `instanceof` works everywhere in the package.
// The wasm module constructs them through `createArvakError`; the package entry re-exports them.

/** Base class of every error the client rejects with. */
export class ArvakError extends Error {
  /**
   * @param {string} message
   * @param {object} [options] the fields below, `cause` and (CircuitOpenError) `retryAfterMs`
   */
  constructor(message, options = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    // BEGIN generated fields from the ErrorField table in src/logic/error.rs
    /** gRPC status code (client-side: 1 CANCELLED for aborts, 4 DEADLINE_EXCEEDED for deadlines, 14 UNAVAILABLE for failed fetches). */
    this.code = options.code ?? 2;
    /** The code's canonical name, e.g. "NOT_FOUND". */
    this.codeName = options.codeName ?? 'UNKNOWN';
    /** The RPC that failed, e.g. "GetJobResult"; null for failures outside an RPC. */
    this.rpc = options.rpc ?? null;
    /** The server's `[permanent]`/`[transient]` message tag (removed from `message`); information only. */
    this.tag = options.tag ?? null;
    /** Response metadata (trailers) that came with the status. */
    this.metadata = options.metadata ?? {};
    /** Attempts made: 1 + retries (a retry policy can make it more than 1); 0 when the circuit breaker refused the call without sending it. */
    this.attempts = options.attempts ?? 1;
    /** The job the call was about, if any. */
    this.jobId = options.jobId ?? null;
    /** The backend the call was about, if any. */
    this.backendId = options.backendId ?? null;
    // END generated
    if (options.retryAfterMs !== undefined) {
      /** CircuitOpenError: milliseconds until the breaker lets a call through again. */
      this.retryAfterMs = options.retryAfterMs;
    }
  }
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

/** [class name, class, `name` of its instances, title] of every error kind. */
const KINDS = [
  ['ArvakError', ArvakError, 'ArvakError', 'The call failed'],
  ['JobNotFoundError', JobNotFoundError, 'JobNotFoundError', 'Unknown job'],
  ['BackendNotFoundError', BackendNotFoundError, 'BackendNotFoundError', 'Unknown backend'],
  ['InvalidCircuitError', InvalidCircuitError, 'InvalidCircuitError', 'The server rejected the circuit'],
  ['JobNotCompletedError', JobNotCompletedError, 'JobNotCompletedError', 'The job has no result yet'],
  ['JobFailedError', JobFailedError, 'JobFailedError', 'The job failed'],
  ['JobCancelledError', JobCancelledError, 'JobCancelledError', 'The job was cancelled'],
  ['ResultExpiredError', ResultExpiredError, 'ResultExpiredError', 'The result has expired on the server'],
  ['ArvakTimeoutError', ArvakTimeoutError, 'TimeoutError', 'Timed out'],
  ['ArvakAbortError', ArvakAbortError, 'AbortError', 'Stopped'],
  ['UnavailableError', UnavailableError, 'UnavailableError', 'Cannot reach the server'],
  ['RateLimitedError', RateLimitedError, 'RateLimitedError', 'The server is busy (rate limit)'],
  ['UnauthenticatedError', UnauthenticatedError, 'UnauthenticatedError', 'Not authorised'],
  ['CircuitOpenError', CircuitOpenError, 'CircuitOpenError', 'Circuit breaker open'],
];
// END generated

const CLASSES = {};
for (const [className, cls, shown, title] of KINDS) {
  CLASSES[className] = cls;
  // Names survive minification; abort and timeout use the DOM's names.
  Object.defineProperty(cls.prototype, 'name', { value: shown, writable: true, configurable: true, enumerable: false });
  /** A short title for people ("Unknown job"). */
  Object.defineProperty(cls, 'title', { value: title, writable: true, configurable: true, enumerable: false });
}
Object.defineProperty(CircuitOpenError.prototype, 'retryAfterMs', { value: 0, writable: true, configurable: true });

/** Used by the wasm module: builds the error of class `className`. */
export function createArvakError(className, message, options) {
  const cls = CLASSES[className] ?? ArvakError;
  return new cls(message, options);
}

/** Used by the wasm module: makes instances of `obj`'s class async-iterable (returns `obj`). */
export function makeAsyncIterable(obj) {
  const proto = Object.getPrototypeOf(obj);
  if (proto && !Object.prototype.hasOwnProperty.call(proto, Symbol.asyncIterator)) {
    Object.defineProperty(proto, Symbol.asyncIterator, {
      value: function () { return this; },
      writable: true,
      configurable: true,
    });
  }
  return obj;
}

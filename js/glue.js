// The JavaScript half of arvak-grpc-wasm's runtime, in one module: JobFuture helpers, the job
// journal's storage and protocol detection. The error classes live in ./errors.js (the package entry
// re-exports them). Keep this one file: every JS module the wasm glue imports is one more request
// before the module can start, and wasm-bindgen-test-runner's server stalls page loads that ask it
// for more than a handful of modules at once (tests/generated_js.rs checks the list).
import { createArvakError } from './errors.js';

// ===== Job futures =====

// JobFuture helpers of arvak-grpc-wasm: the awaitable protocol, done callbacks, asCompleted,
// waitAll and map. They only use a future's public surface (`done()`, `result()`, `then`), so they
// stay small and also accept plain promises. The wasm module re-exports them.

/** Used by the wasm module: gives JobFuture instances `then` and `addDoneCallback` (returns `obj`). */
export function installJobFuture(obj) {
  const proto = Object.getPrototypeOf(obj);
  if (proto && !Object.prototype.hasOwnProperty.call(proto, 'addDoneCallback')) {
    Object.defineProperties(proto, {
      // Awaitable: `await future` is `await future.result()`.
      then: {
        value(onFulfilled, onRejected) {
          return this.result().then(onFulfilled, onRejected);
        },
        writable: true,
        configurable: true,
      },
      // The error it settled with, or null after a success (waits like `result()`; rejects only
      // on that wait's own timeout or abort).
      exception: {
        value(options) {
          return this.result(options).then(
            () => null,
            (e) => (this.done() ? e : Promise.reject(e)),
          );
        },
        writable: true,
        configurable: true,
      },
      // Whether it settles within `timeoutMs` (no limit by default); never rejects for the job.
      wait: {
        value(options) {
          let ms;
          try {
            ms = checkTimeout(options?.timeoutMs);
          } catch (e) {
            return Promise.reject(e);
          }
          if (this.done()) return Promise.resolve(true);
          return new Promise((resolve) => {
            const timer = ms === null ? null : setTimeout(() => resolve(this.done()), ms);
            this.__whenDone().then(() => {
              if (timer !== null) clearTimeout(timer);
              resolve(true);
            });
          });
        },
        writable: true,
        configurable: true,
      },
      // Runs `fn(future)` once: at once if already done, else when it settles. Exceptions are
      // reported on the console. The future is not locked while `fn` runs: touch it freely.
      addDoneCallback: {
        value(fn) {
          if (typeof fn !== 'function') throw new TypeError('addDoneCallback needs a function');
          let ran = false;
          const run = () => {
            if (ran) return;
            ran = true;
            try {
              fn(this);
            } catch (e) {
              console.error('arvak-grpc-wasm: addDoneCallback callback threw:', e);
            }
          };
          if (this.done()) run();
          else this.__whenDone().then(run);
        },
        writable: true,
        configurable: true,
      },
    });
  }
  return obj;
}

function timeoutError(what, ms) {
  return createArvakError('ArvakTimeoutError', `${what} within ${Math.round(ms)} ms`, {
    code: 4,
    codeName: 'DEADLINE_EXCEEDED',
  });
}

function checkTimeout(ms) {
  if (ms === undefined || ms === null || ms === Infinity) return null;
  if (typeof ms !== 'number' || !(ms >= 0)) {
    throw createArvakError('ArvakError', `timeoutMs must be a non-negative number of milliseconds, got ${String(ms)}`, {
      code: 3,
      codeName: 'INVALID_ARGUMENT',
    });
  }
  return ms;
}

/** Settles when `f` settles: resolves `{ future, ok, value, error }` (never rejects). */
function settled(f) {
  return Promise.resolve(f).then(
    (value) => ({ future: f, ok: true, value, error: null }),
    (error) => ({ future: f, ok: false, value: undefined, error }),
  );
}

/**
 * Yields the futures in the order they settle. With `timeoutMs`, throws `ArvakTimeoutError` if not
 * all have settled by then (the jobs keep running). Breaking out of the loop stops the timer.
 *
 * A hand-written async iterator, not an `async function*`: an async generator awaits what it
 * yields, and a JobFuture is awaitable, so it would hand out results instead of futures.
 */
export function asCompleted(futures, options = {}) {
  const ms = checkTimeout(options?.timeoutMs);
  const list = [...futures];
  const ready = [];
  const waiters = [];
  let yielded = 0;
  let expired = false;
  let closed = false;
  let timer = null;
  const wakeAll = () => {
    while (waiters.length) waiters.shift()();
  };
  const stop = () => {
    closed = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    wakeAll();
  };
  for (const f of list) {
    settled(f).then(({ future }) => {
      ready.push(future);
      wakeAll();
    });
  }
  if (ms !== null && list.length > 0) {
    timer = setTimeout(() => {
      expired = true;
      timer = null;
      wakeAll();
    }, ms);
  }
  const iterator = {
    async next() {
      for (;;) {
        if (closed || yielded >= list.length) {
          stop();
          return { value: undefined, done: true };
        }
        if (ready.length > 0) {
          yielded += 1;
          return { value: ready.shift(), done: false };
        }
        if (expired) {
          stop();
          throw timeoutError(`Only ${yielded} of ${list.length} futures completed`, ms);
        }
        await new Promise((resolve) => waiters.push(resolve));
      }
    },
    async return() {
      stop();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

/**
 * Waits until `returnWhen` ("ALL_COMPLETED" by default, "FIRST_COMPLETED" or "FIRST_EXCEPTION")
 * or until `timeoutMs`; resolves `{ done, notDone }` (input order). Never rejects on timeout.
 */
export function waitAll(futures, options = {}) {
  const ms = checkTimeout(options?.timeoutMs);
  const mode = options?.returnWhen ?? 'ALL_COMPLETED';
  if (!['ALL_COMPLETED', 'FIRST_COMPLETED', 'FIRST_EXCEPTION'].includes(mode)) {
    return Promise.reject(
      createArvakError('ArvakError', `returnWhen must be "ALL_COMPLETED", "FIRST_COMPLETED" or "FIRST_EXCEPTION", got "${String(mode)}"`, {
        code: 3,
        codeName: 'INVALID_ARGUMENT',
      }),
    );
  }
  const list = [...futures];
  return new Promise((resolve) => {
    let timer = null;
    let finished = false;
    let count = 0;
    const seen = new Set();
    const isDone = (f) => (typeof f.done === 'function' ? f.done() : seen.has(f));
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer !== null) clearTimeout(timer);
      resolve({ done: list.filter(isDone), notDone: list.filter((f) => !isDone(f)) });
    };
    if (list.length === 0) return finish();
    for (const f of list) {
      settled(f).then(({ ok }) => {
        seen.add(f);
        count += 1;
        if (mode === 'FIRST_COMPLETED' || (mode === 'FIRST_EXCEPTION' && !ok) || count === list.length) finish();
      });
    }
    if (ms !== null) timer = setTimeout(finish, ms);
  });
}

/**
 * Applies `fn` to each result as it arrives; resolves, in input order, one
 * `{ status: "fulfilled", value }` or `{ status: "rejected", reason }` per future (like
 * `Promise.allSettled`): failures and `fn`'s exceptions are kept, not dropped. With `timeoutMs`,
 * unfinished futures are reported as rejected with `ArvakTimeoutError`.
 */
export function mapFutures(fn, futures, options = {}) {
  if (typeof fn !== 'function') return Promise.reject(new TypeError('map needs a function'));
  const ms = checkTimeout(options?.timeoutMs);
  const list = [...futures];
  const out = new Array(list.length).fill(null);
  return new Promise((resolve) => {
    let timer = null;
    let left = list.length;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer !== null) clearTimeout(timer);
      const late = timeoutError('The future did not complete', ms ?? 0);
      resolve(out.map((o) => o ?? { status: 'rejected', reason: late }));
    };
    if (left === 0) return finish();
    list.forEach((f, i) => {
      settled(f).then(({ ok, value, error }) => {
        if (finished) return;
        if (!ok) out[i] = { status: 'rejected', reason: error };
        else {
          try {
            out[i] = { status: 'fulfilled', value: fn(value) };
          } catch (e) {
            out[i] = { status: 'rejected', reason: e };
          }
        }
        left -= 1;
        if (left === 0) finish();
      });
    });
    if (ms !== null) timer = setTimeout(finish, ms);
  });
}

/** Used by printProgressBar: one console line, rewritten in place where a terminal allows it. */
export function writeProgressLine(line, complete) {
  const out = globalThis.process?.stdout;
  if (out && typeof out.write === 'function' && out.isTTY) {
    out.write('\r' + line + (complete ? '\n' : ''));
  } else {
    console.log(line);
  }
}

// ===== Job journal storage =====

// Storage of arvak-grpc-wasm's job journal (the `journal` client option): plain string keys in
// localStorage. localStorage is used, not IndexedDB, because a write must be durable in the same
// task that learned a job id: a reload right after an id arrived must still find it, and an
// IndexedDB transaction only commits later. What the keys hold is decided in Rust
// (src/logic/journal.rs); this file only reads, writes and lists them.

let leaving = false;
let watching = false;

function store() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // a sandboxed frame or a privacy mode that throws on access
  }
}

/** Whether the journal can be used here (localStorage exists and accepts a write). */
export function journalAvailable() {
  const s = store();
  if (!s) return false;
  try {
    s.setItem('arvak-journal:probe', '1');
    s.removeItem('arvak-journal:probe');
    return true;
  } catch {
    return false;
  }
}

/** The value at `key`, or undefined. */
export function journalGet(key) {
  return store()?.getItem(key) ?? undefined;
}

/** Writes `value` at `key`; throws (QuotaExceededError) when storage is full. */
export function journalSet(key, value) {
  const s = store();
  if (!s) throw new Error('localStorage is not available');
  s.setItem(key, value);
}

/** Removes `key`. */
export function journalRemove(key) {
  store()?.removeItem(key);
}

/** Every key starting with `prefix`. */
export function journalKeys(prefix) {
  const s = store();
  const keys = [];
  if (!s) return keys;
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k !== null && k.startsWith(prefix)) keys.push(k);
  }
  return keys;
}

/** A random batch id (16 hex digits). */
export function journalRandomId() {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Whether the page is being left (`beforeunload` or `pagehide` seen, and no `pageshow` since):
 * journaled batches then start no new submissions, so none is cut off in flight by the unload.
 */
export function journalLeaving() {
  if (!watching && typeof globalThis.addEventListener === 'function') {
    watching = true;
    const leave = () => { leaving = true; };
    globalThis.addEventListener('beforeunload', leave);
    globalThis.addEventListener('pagehide', leave);
    globalThis.addEventListener('pageshow', () => { leaving = false; });
  }
  return leaving;
}

// ===== Protocol detection =====

// The HTTP version of a client's calls, from the browser's resource timing: the newest entry whose
// URL starts with `base` and names its protocol ("h2", "h3", "http/1.1"); "" when there is none
// (no entry yet, a full timing buffer, or a cross-origin server without Timing-Allow-Origin).
export function nextHopProtocol(base) {
  try {
    const entries = globalThis.performance?.getEntriesByType?.('resource') ?? [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e.name.startsWith(base) && e.nextHopProtocol) return e.nextHopProtocol;
    }
  } catch {
    // no Performance API here
  }
  return '';
}

// JobFuture helpers of arvak-grpc-wasm: the awaitable protocol, done callbacks, asCompleted,
// waitAll and map. They only use a future's public surface (`done()`, `result()`, `then`), so they
// stay small and also accept plain promises. The wasm module re-exports them.
import { createArvakError } from './errors.js';

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

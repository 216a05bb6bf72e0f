// The JavaScript the web layer (src/web) calls: the job journal's storage, its service-worker
// relay, and protocol detection.
// It imports nothing, so a Rust front-end built without the `bindings` feature loads only this
// module. Keep the list of modules short: every JS module the wasm glue imports is one more request
// before the module can start, and wasm-bindgen-test-runner's server stalls page loads that ask it
// for many modules at once (tests/js_modules.rs keeps the list).

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

// ===== Journal relay =====

// A service worker that carries a journaled batch's submissions (js/relay-sw.js; the protocol is
// src/logic/relay.rs, which passes its message names in). The answer is remembered per
// controlling worker; with `again` (a resume that has requests to ask the relay for) a remembered
// "no" is asked again (a worker slow to start after a reload answers the second time).
let relayAsked = null;
let relayYes = false;

/** Whether the worker controlling this page answers `hello` as a relay (a Promise<boolean>). */
export function relayProbe(hello, answer, version, again) {
  const controller = globalThis.navigator?.serviceWorker?.controller;
  if (!controller) return Promise.resolve(false);
  if (relayAsked === controller && (relayYes || !again)) return Promise.resolve(relayYes);
  return new Promise((resolve) => {
    const settle = (yes) => {
      relayAsked = controller;
      relayYes = yes;
      resolve(yes);
    };
    const channel = new MessageChannel();
    const timer = setTimeout(() => settle(false), 1000);
    channel.port1.onmessage = (e) => {
      clearTimeout(timer);
      settle(e.data?.type === answer && e.data?.version === version);
    };
    try {
      controller.postMessage({ type: hello }, [channel.port2]);
    } catch {
      clearTimeout(timer);
      settle(false);
    }
  });
}

/**
 * Tells the controlling worker to drop what it kept: the answer under `key` (`exact`), or every
 * answer whose key starts with it.
 */
export function relayForget(message, key, exact) {
  try {
    const data = exact ? { type: message, key } : { type: message, prefix: key };
    globalThis.navigator?.serviceWorker?.controller?.postMessage(data);
  } catch {
    // no worker, or it is going away: its own bounds prune what it kept
  }
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

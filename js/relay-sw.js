// arvak-grpc-wasm's journal relay: a service worker that carries a journaled batch's submissions,
// so that a page reloaded (or closed) while a SubmitJob / SubmitBatch is on the wire cannot lose
// the ids of the jobs it created — the service cannot list jobs.
//
// Use it as your service worker, or add it to yours (before your own fetch listeners):
//
//   importScripts("/arvak-relay-sw.js");     // a copy of arvak-grpc-wasm/relay-sw.js
//
// A client with a `journal` marks each submission of a batch with the `x-arvak-relay` header. For
// those requests only (everything else is left alone), this worker strips the header, sends the
// request itself — a fetch of the worker, which the page's unload does not cancel — and keeps the
// answer in IndexedDB before handing it to the page. After a reload, the batch asks for each
// request that was on the wire again, with the same key and "resume": the worker waits for the
// original if it is still out and answers from what it kept, or sends it when it never got it.
// The page drops a kept answer once it has stored what it said; a batch's end drops the rest;
// anything else goes after a day (pages do not ask for older ones). Every answer it gives carries
// the x-arvak-relay-answer header (answered, lost, cut, not-sent, unreadable), so the page can
// tell the relay's answer from no answer.
//
// The protocol (header, message names, version) is declared in src/logic/relay.rs;
// tests/relay_sw.rs checks that the names below are the same.
(() => {
  const HEADER = "x-arvak-relay";
  const RESUME = "resume";
  const HELLO = "arvak-relay-hello";
  const ANSWER = "arvak-relay";
  const FORGET = "arvak-relay-forget";
  const VERSION = 1;
  const ANSWER_HEADER = "x-arvak-relay-answer";
  const UNREADABLE = "unreadable";

  const DB_NAME = "arvak-relay";
  const STORE = "answers";
  const KEEP_MS = 24 * 60 * 60 * 1000;
  const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
  const NO_BODY = [101, 103, 204, 205, 304];

  /** Requests on the wire, by key: a resume of one waits for it. */
  const inFlight = new Map();
  let opened = null;
  let writes = 0;

  function database() {
    opened ??= new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => {
        const store = open.result.createObjectStore(STORE, { keyPath: "key" });
        store.createIndex("at", "at");
      };
      open.onsuccess = () => {
        const db = open.result;
        // Someone upgrades or deletes the database: let them, and open it again next time.
        db.onversionchange = () => { db.close(); opened = null; };
        resolve(db);
      };
      open.onerror = () => reject(open.error);
    });
    opened.catch(() => { opened = null; });
    return opened;
  }

  /** Runs `work(store)` in one transaction; resolves with its request's result once committed. */
  async function transact(mode, work) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      let result;
      const request = work(tx.objectStore(STORE));
      if (request) request.onsuccess = () => { result = request.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const kept = (key) => transact("readonly", (s) => s.get(key));
  const keep = (record) => transact("readwrite", (s) => s.put(record));
  const drop = (key) => transact("readwrite", (s) => s.delete(key));
  const dropPrefix = (prefix) =>
    transact("readwrite", (s) => s.delete(IDBKeyRange.bound(prefix, prefix + "\uffff")));

  /** Drops what is older than a day (a page no longer asks for it). */
  function prune() {
    return transact("readwrite", (s) => {
      const old = IDBKeyRange.upperBound(Date.now() - KEEP_MS);
      s.index("at").openCursor(old).onsuccess = (e) => {
        const c = e.target.result;
        if (c) { c.delete(); c.continue(); }
      };
    });
  }

  function response(record) {
    const headers = new Headers(record.headers);
    headers.set(ANSWER_HEADER, "answered");
    return new Response(NO_BODY.includes(record.status) ? null : record.body, {
      status: record.status,
      statusText: record.statusText,
      headers,
    });
  }

  /** The relay's own grpc-web answer without a message: `code`, `message`, a pushback if given. */
  function grpcError(what, code, message, pushbackMs) {
    const headers = {
      "content-type": "application/grpc-web+proto",
      "grpc-status": String(code),
      // grpc-message is percent-encoded; this keeps it to printable ASCII.
      "grpc-message": message.replace(/%/g, "%25").replace(/[^\x20-\x7e]/g, "?"),
      [ANSWER_HEADER]: what,
    };
    // A pushback says "not processed, retry after": the client knows nothing was created.
    if (pushbackMs !== undefined) headers["grpc-retry-pushback-ms"] = String(pushbackMs);
    return new Response(null, { status: 200, headers });
  }

  /** A resumed request whose original was sent, but the worker stopped before its answer came. */
  const lost = () => grpcError("lost", 14, "The journal relay sent this submission but stopped before its answer arrived: the server may have created its jobs");
  /** A request the worker did not send. */
  const notSent = (why) => grpcError("not-sent", 14, `The journal relay did not send this submission (${why})`, 250);
  /** What it kept could not be read: no answer yet (the page keeps the key and asks later). */
  const unreadable = () => grpcError(UNREADABLE, 14, "The journal relay could not read what it kept for this submission; ask again later");
  /** A request whose connection failed after the worker sent it. */
  const cutOff = (error) => grpcError("cut", 14, `The journal relay sent this submission and lost its answer (${error?.message ?? error}): the server may have created its jobs`);

  async function readAll(answer) {
    const length = Number(answer.headers.get("content-length"));
    if (length > MAX_ANSWER_BYTES) throw new TypeError("the answer is larger than the relay keeps");
    if (!answer.body) return new ArrayBuffer(0);
    const reader = answer.body.getReader();
    const parts = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > MAX_ANSWER_BYTES) {
        reader.cancel().catch(() => {});
        throw new TypeError("the answer is larger than the relay keeps");
      }
      parts.push(value);
    }
    const body = new Uint8Array(total);
    let at = 0;
    for (const p of parts) { body.set(p, at); at += p.byteLength; }
    return body.buffer;
  }

  /**
   * Sends the request as this worker's own fetch, keeps its answer under `key`, and answers with
   * it (or with why there is none).
   */
  async function send(request, headers, body, key) {
    // Marked before it leaves: a worker stopped mid-request leaves "sent", which a resume reports
    // as "may exist" instead of sending it again. Unmarked, it is not sent at all.
    try {
      await keep({ key, state: "sent", at: Date.now() });
    } catch {
      return notSent("its storage refused to record it");
    }
    let record;
    try {
      const answer = await fetch(request.url, {
        method: request.method,
        headers,
        body,
        mode: request.mode === "navigate" ? "same-origin" : request.mode,
        credentials: request.credentials,
        cache: "no-store",
        redirect: request.redirect,
      });
      record = {
        key,
        state: "answered",
        at: Date.now(),
        status: answer.status,
        statusText: answer.statusText,
        headers: [...answer.headers],
        body: await readAll(answer),
      };
    } catch (error) {
      return cutOff(error); // the "sent" mark stays: a resume reports the jobs as "may exist"
    }
    await keep(record).catch(() => {});
    if (++writes % 100 === 0) prune().catch(() => {});
    return response(record);
  }

  async function relay(event, value) {
    const request = event.request;
    const [key, mode] = value.split(" ");
    if (mode === RESUME) {
      // Kept until the page says it has stored what the answer said (it may be left again before
      // that): every resume of the key gets the same answer.
      await inFlight.get(key)?.catch(() => {});
      let record;
      try {
        record = await kept(key);
      } catch {
        return unreadable();
      }
      if (record) return record.state === "answered" ? response(record) : lost();
    }
    // Claimed before anything is awaited: a resume arriving meanwhile waits for this request.
    let release;
    const claim = new Promise((resolve) => { release = resolve; });
    inFlight.set(key, claim);
    // The worker stays alive until the answer is kept, even when the page that asked is gone.
    event.waitUntil(claim);
    try {
      let body;
      try {
        body = await request.arrayBuffer();
      } catch {
        return notSent("the page went away before its request was read");
      }
      const headers = new Headers(request.headers);
      headers.delete(HEADER);
      return await send(request, headers, body, key);
    } finally {
      if (inFlight.get(key) === claim) inFlight.delete(key);
      release();
    }
  }

  self.addEventListener("fetch", (event) => {
    const value = event.request.headers.get(HEADER);
    if (value === null) return;
    // Never a rejected answer (a browser reports that as a page error): anything unexpected is
    // "may exist", the answer that loses nothing.
    event.respondWith(relay(event, value).catch((error) => cutOff(error)));
  });

  self.addEventListener("message", (event) => {
    const data = event.data;
    if (data?.type === HELLO) {
      // A relay without working storage says so (version 0): the page then does not use it.
      const port = event.ports[0];
      event.waitUntil(database().then(
        () => port?.postMessage({ type: ANSWER, version: VERSION }),
        () => port?.postMessage({ type: ANSWER, version: 0 }),
      ));
    } else if (data?.type === FORGET && typeof data.key === "string" && data.key !== "") {
      event.waitUntil(drop(data.key).catch(() => {}));
    } else if (data?.type === FORGET && typeof data.prefix === "string" && data.prefix !== "") {
      event.waitUntil(dropPrefix(data.prefix).catch(() => {}));
    }
  });
})();

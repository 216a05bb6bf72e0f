// The connection panel: server URL (default: this page's origin), API key (kept in this closure
// only — never in the URL, storage or the share link), and the live state of the client.

import { $, h } from "./dom.js";
import { describe } from "./problems.js";

// ---- Resilience adapter (issue C) -------------------------------------------------------------
// Retry policy and circuit breaker come with issue C. When the package exports `RetryPolicy` /
// `CircuitBreaker`, the client gets both with hooks that feed this panel; otherwise the client
// runs with its defaults and the panel shows what it can observe (attempts, open streams).
function resilienceOptions(pkg, events) {
  const extra = {};
  try {
    if (typeof pkg.RetryPolicy === "function") {
      extra.retryPolicy = new pkg.RetryPolicy({ onRetry: (info) => events.retry(info) });
    }
  } catch (e) { console.warn("RetryPolicy unavailable:", e); }
  try {
    if (typeof pkg.CircuitBreaker === "function") {
      extra.circuitBreaker = new pkg.CircuitBreaker({ onStateChange: (s) => events.breaker(s) });
    }
  } catch (e) { console.warn("CircuitBreaker unavailable:", e); }
  return extra;
}

function breakerState(client, extra) {
  const b = extra.circuitBreaker ?? client?.circuitBreaker;
  const s = b?.state;
  return typeof s === "string" ? s : null;
}
// ------------------------------------------------------------------------------------------------

/**
 * @param {object} pkg the package's module namespace (after init)
 * @param {{ onConnected: (client, backends) => void, onDisconnected: () => void, onFailed?: (err) => void }} hooks
 */
/** The playground's job journal (localStorage), shared by every connection. */
const JOURNAL = "arvak-playground";

export function createConnection(pkg, { onConnected, onDisconnected, onFailed }) {
  const urlInput = $("server-url");
  const keyInput = $("api-key");
  const button = $("connect");
  const statusEl = $("conn-status");
  const pill = $("conn-pill");
  const stats = $("conn-stats");

  let apiKey = "";
  let client = null;
  let extra = {};
  let retries = 0;
  let lastAttempts = null;
  let lastError = null;
  let generation = 0;
  let failed = null;

  urlInput.value = window.location.origin;
  urlInput.placeholder = window.location.origin;

  const events = {
    retry: () => { retries += 1; render(); },
    breaker: () => render(),
  };

  function setPill(kind, text) {
    pill.dataset.state = kind;
    pill.querySelector(".pill-text").textContent = text;
  }

  function render() {
    const rows = [
      ["Open watch streams", client ? String(client.openStreams) : "–"],
      ["Circuit breaker", breakerState(client, extra) ?? (client ? "not in this build" : "–")],
      ["Retries seen", extra.retryPolicy ? String(retries) : "not in this build"],
      ["Last failed call", lastError
        ? [lastError.code ?? lastError.name, lastError.rpc, lastAttempts ? `${lastAttempts} attempt${lastAttempts === 1 ? "" : "s"}` : null].filter(Boolean).join(" · ")
        : "none"],
    ];
    stats.replaceChildren(...rows.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
    const breaker = breakerState(client, extra);
    if (client && breaker && breaker !== "closed") setPill("warn", `breaker ${breaker}`);
  }

  async function connect() {
    const gen = ++generation;
    const url = (urlInput.value.trim() || window.location.origin).replace(/\/+$/, "");
    apiKey = keyInput.value;
    client?.close();
    client = null;
    failed = null;
    onDisconnected();
    extra = resilienceOptions(pkg, events);
    // The journal keeps submitted job ids across reloads: an interrupted batch can be resumed.
    const options = { timeoutMs: 30000, headers: apiKey ? { "x-api-key": apiKey } : {}, journal: JOURNAL };
    try {
      try {
        client = new pkg.ArvakClient(url, { ...options, ...extra });
      } catch (e) {
        console.warn("client rejected the resilience options; using defaults:", e);
        extra = {};
        client = new pkg.ArvakClient(url, options);
      }
      setPill("busy", "connecting…");
      statusEl.textContent = `Connecting to ${url}…`;
      statusEl.className = "muted";
      const t0 = performance.now();
      const backends = await client.listBackends();
      if (gen !== generation) return;
      const ms = Math.round(performance.now() - t0);
      setPill("ok", new URL(url).host);
      statusEl.textContent = `Connected to ${url} · ${backends.length} backend${backends.length === 1 ? "" : "s"} · ${ms} ms`;
      onConnected(client, backends);
    } catch (err) {
      if (gen !== generation) return;
      const d = describe(err);
      setPill("error", "not connected");
      statusEl.className = "error-text";
      statusEl.textContent = `${d.title}: ${d.message}${d.hint ? ` — ${d.hint}` : ""}`;
      noteError(err);
      failed = err;
      onFailed?.(err);
    }
    render();
  }

  /** Called by the other panels after a failed call (shows its code and attempts). */
  function noteError(err) {
    lastError = describe(err);
    lastAttempts = lastError.attempts;
    render();
  }

  button.addEventListener("click", connect);
  for (const input of [urlInput, keyInput]) {
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); connect(); } });
  }
  setInterval(render, 500);
  render();

  return {
    connect,
    noteError,
    get client() { return client; },
    /** The error the last connect failed with, or null. */
    get failed() { return failed; },
  };
}

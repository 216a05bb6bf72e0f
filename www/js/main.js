// The playground's entry point: loads the wasm client, wires the panels together.
// Every panel lives in its own module; this file only owns the backend picker, the run settings,
// the examples menu, the tabs and the share link.

import init, * as arvak from "../pkg/arvak_grpc_wasm.js";
import { $, h, fmt } from "./dom.js";
import { EXAMPLES, exampleById } from "./examples.js";
import { createEditor, declaredQubits, usesTheta, withThetaMapped } from "./editor.js";
import { createConnection } from "./connection.js";
import { createHistory } from "./history.js";
import { createResults } from "./results.js";
import { createRunner } from "./run.js";
import { createBatch } from "./batch.js";
import { shareLink, readShared } from "./share.js";
import { createCircuitPanel, localBackend } from "./circuit.js";

const backendSelect = $("backend");
const backendInfo = $("backend-info");
const shotsInput = $("shots");
const shotsError = $("shots-error");
const thetaField = $("theta-field");
const thetaInput = $("theta");
const circuitInfo = $("circuit-info");
const exampleSelect = $("examples");
const sizeField = $("example-size-field");
const sizeInput = $("example-size");
const backendNote = $("backend-note");

let serverBackends = [];
let backends = [];
let connected = false;

// ---- editor and examples -----------------------------------------------------------------------
const editor = createEditor({
  textarea: $("code"),
  gutter: $("gutter"),
  mark: $("line-mark"),
  onChange: () => { updateCircuitInfo(); circuit.schedule(); },
  onEdit: () => { exampleSelect.value = ""; sizeField.hidden = true; },
  onRun: () => runner.run(),
});

for (const ex of EXAMPLES) exampleSelect.append(h("option", { value: ex.id }, ex.label));

function loadExample(id) {
  const ex = exampleById(id);
  if (!ex) return;
  exampleSelect.value = id;
  sizeField.hidden = !ex.sized;
  if (ex.sized) {
    sizeInput.min = String(ex.min);
    sizeInput.max = String(ex.max);
    const n = Number(sizeInput.value);
    if (!Number.isInteger(n) || n < ex.min || n > ex.max || sizeInput.dataset.example !== id) sizeInput.value = String(ex.defaultN);
    sizeInput.dataset.example = id;
  }
  editor.value = ex.source(Number(sizeInput.value));
}
exampleSelect.addEventListener("change", () => loadExample(exampleSelect.value));
sizeInput.addEventListener("input", () => {
  const ex = exampleById(exampleSelect.value);
  const n = Number(sizeInput.value);
  if (ex?.sized && Number.isInteger(n) && n >= ex.min && n <= ex.max) editor.value = ex.source(n);
});

// ---- circuit tools: diagnostics as you type, the diagram, the local backend -------------------------
const circuit = createCircuitPanel({
  textarea: $("code"),
  program: () => (usesTheta(editor.value) ? withThetaMapped(editor.value, thetaValue() ?? "0") : { text: editor.value, toOriginal: (i) => i }),
  validateFor: () => {
    const b = currentBackend();
    const n = Number(shotsInput.value);
    return { backend: b ? (b.local ? "local" : b) : null, shots: Number.isInteger(n) && n >= 0 ? n : null };
  },
  onReport: () => updateCircuitInfo(),
  focusRange: (start, end) => {
    const textarea = $("code");
    textarea.focus();
    textarea.setSelectionRange(start, Math.max(end, start));
  },
});
thetaInput.addEventListener("input", () => circuit.schedule());

function updateCircuitInfo() {
  const report = circuit.report;
  if (report && report.qubits + report.clbits + report.operations > 0) {
    const max = currentBackend()?.maxQubits;
    const over = max !== undefined && report.qubits > max;
    circuitInfo.classList.toggle("warn-text", over);
    circuitInfo.textContent = `${report.qubits} qubit${report.qubits === 1 ? "" : "s"} · ${report.gates} gate${report.gates === 1 ? "" : "s"} · depth ${report.depth}` +
      (over ? ` — more than ${currentBackend().backendId}'s ${max}` : "");
    thetaField.hidden = !usesTheta(editor.value);
    return;
  }
  const n = declaredQubits(editor.value);
  const max = currentBackend()?.maxQubits;
  circuitInfo.classList.toggle("warn-text", n !== null && max !== undefined && n > max);
  circuitInfo.textContent = n === null ? "no qubits declared"
    : `${n} qubit${n === 1 ? "" : "s"}${max !== undefined && n > max ? ` — more than ${currentBackend().backendId}'s ${max}` : ""}`;
  thetaField.hidden = !usesTheta(editor.value);
}

// ---- backend picker ------------------------------------------------------------------------------
function currentBackend() {
  return backends.find((b) => b.backendId === backendSelect.value);
}

/** Shows the server's backends, plus the local one once the circuit tools are loaded. */
function showBackends(list, { preferLocal = false } = {}) {
  serverBackends = list;
  backends = circuit.tools ? [...list, localBackend(circuit.tools)] : list;
  const previous = backendSelect.value;
  backendSelect.replaceChildren(...backends.map((b) =>
    h("option", { value: b.backendId, disabled: !b.isAvailable }, `${b.name || b.backendId}${b.isAvailable ? "" : " (unavailable)"}`)));
  // The server's backends first (the previous pick if still there); the local one when asked for or
  // when the server offers none.
  const local = backends.find((b) => b.local);
  const pick = (preferLocal ? local : null)
    ?? list.find((b) => b.backendId === previous && b.isAvailable)
    ?? list.find((b) => b.isAvailable)
    ?? local
    ?? backends[0];
  if (pick) backendSelect.value = pick.backendId;
  showBackendInfo();
}

/** The server can't be reached: runs go to the browser, with a notice saying so. */
function useLocalBackend(reason) {
  if (!circuit.tools) return;
  showBackends(serverBackends.length && connected ? serverBackends : [], { preferLocal: true });
  backendNote.textContent = `${reason} — runs use the local simulator in this browser until you reconnect.`;
  backendNote.hidden = false;
  refreshEnabled();
}

/** Run needs a backend (the local one needs no server); batches need the server. */
function refreshEnabled() {
  const b = currentBackend();
  runner?.setEnabled(Boolean(b && (b.local || (connected && connection?.client))));
  batch?.setEnabled(Boolean(b && !b.local && connected));
}

function showBackendInfo() {
  const b = currentBackend();
  backendSelect.disabled = !b;
  if (!b) {
    backendInfo.replaceChildren(h("span", { class: "muted" }, "Not connected: no backends to show."));
    return;
  }
  shotsInput.max = String(b.maxShots);
  if (!b.local) backendNote.hidden = true;
  backendInfo.replaceChildren(
    h("span", { class: "spec" }, h("b", {}, fmt(b.maxQubits)), " qubits max"),
    h("span", { class: "spec" }, h("b", {}, fmt(b.maxShots)), " shots max"),
    h("details", { class: "gates" },
      h("summary", {}, `${b.supportedGates.length} gates`),
      h("div", { class: "gate-list" }, ...b.supportedGates.map((g) => h("code", {}, g)))),
    b.description ? h("span", { class: "muted" }, b.description) : null,
  );
  checkShots();
  updateCircuitInfo();
  circuit.schedule();
  refreshEnabled();
}
backendSelect.addEventListener("change", showBackendInfo);

/** Shots as a whole number within the backend's max_shots, or null (and the field shows why). */
function checkShots() {
  const b = currentBackend();
  const n = Number(shotsInput.value);
  let problem = null;
  if (shotsInput.value.trim() === "" || !Number.isInteger(n) || n < 1) problem = "Shots must be a whole number of at least 1.";
  else if (b && n > b.maxShots) problem = `${b.backendId} allows at most ${fmt(b.maxShots)} shots.`;
  shotsInput.classList.toggle("invalid", problem !== null);
  shotsInput.setAttribute("aria-invalid", String(problem !== null));
  shotsError.textContent = problem ?? "";
  shotsError.hidden = problem === null;
  return problem === null ? n : null;
}
shotsInput.addEventListener("input", () => { checkShots(); circuit.schedule(); });

/** The run settings, checked before anything is submitted; null (with the reason shown) if invalid. */
function settings() {
  const b = currentBackend();
  if (!b || (!b.local && !connection.client)) return null;
  const shots = checkShots();
  if (shots === null) { shotsInput.focus(); return null; }
  let theta = null;
  if (usesTheta(editor.value)) {
    theta = thetaValue();
    thetaInput.classList.toggle("invalid", theta === null);
    if (theta === null) { thetaInput.focus(); return null; }
  }
  return { source: editor.value, backendId: b.backendId, shots, theta, local: Boolean(b.local) };
}

/** θ as a number or a constant expression the parser evaluates (pi, tau, + - * / and parentheses), or null. */
function thetaValue() {
  const theta = thetaInput.value.trim().replace(/π/g, "pi").replace(/τ/g, "tau");
  return theta !== "" && /^(?:[\d.eE+\-*/()\s]|pi|tau)+$/.test(theta) ? theta : null;
}

// ---- tabs ----------------------------------------------------------------------------------------
for (const tab of document.querySelectorAll('[role="tab"]')) {
  tab.addEventListener("click", () => {
    for (const t of document.querySelectorAll('[role="tab"]')) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
  });
}

// ---- share link ------------------------------------------------------------------------------------
$("share").addEventListener("click", async () => {
  const link = shareLink({ source: editor.value, shots: shotsInput.value, theta: usesTheta(editor.value) ? thetaInput.value : null });
  history.replaceState(null, "", link);
  const out = $("share-output");
  out.hidden = false;
  $("share-link").value = link;
  let copied = false;
  try { await navigator.clipboard.writeText(link); copied = true; } catch { /* shown in the field instead */ }
  $("share-note").textContent = copied ? "Link copied to the clipboard (circuit and shots only — no server or key)." : "Copy this link (circuit and shots only — no server or key):";
  $("share-link").select();
});

function applyShared() {
  const shared = readShared();
  if (!shared) return false;
  exampleSelect.value = "";
  sizeField.hidden = true;
  editor.value = shared.source;
  if (shared.shots) shotsInput.value = String(shared.shots);
  if (shared.theta !== null && shared.theta !== "") thetaInput.value = shared.theta;
  checkShots();
  return true;
}
window.addEventListener("hashchange", applyShared);

// ---- panels --------------------------------------------------------------------------------------
const historyPanel = createHistory();
const results = createResults();
let connection;
let runner;
let batch;


// The journal relay (sw.js) carries a batch's submissions, so a reload cannot cut one off: it is
// registered first and waited for (at most 3 s, the first visit only) so the first batch is relayed.
async function startRelay() {
  const workers = navigator.serviceWorker;
  if (!workers) return;
  try {
    await workers.register("./sw.js");
    if (workers.controller) return;
    await Promise.race([
      new Promise((resolve) => workers.addEventListener("controllerchange", resolve, { once: true })),
      new Promise((resolve) => setTimeout(resolve, 3000)),
    ]);
  } catch {
    // no relay (a private window, storage off): batches still run; a reload may leave some in doubt
  }
}

async function main() {
  if (!applyShared()) loadExample("bell");
  const relay = startRelay();
  await init();
  connection = createConnection(arvak, {
    onConnected: (_client, list) => { connected = true; backendNote.hidden = true; showBackends(list); refreshEnabled(); },
    onDisconnected: () => { connected = false; showBackends([]); refreshEnabled(); },
    // Only an unreachable server sends runs to the browser (a refused API key is the user's to fix).
    onFailed: (err) => { if (err?.name === "UnavailableError") useLocalBackend("The server cannot be reached"); },
  });
  runner = createRunner({
    editor, results, history: historyPanel, connection, settings, circuit,
    serverBackend: () => (connected ? serverBackends.find((b) => b.isAvailable)?.backendId ?? null : null),
    onUnreachable: () => useLocalBackend("The server stopped answering"),
  });
  batch = createBatch({ pkg: arvak, connection, history: historyPanel, settings, loadExample });
  refreshEnabled();
  // The circuit tools load beside the connection (a second module; the client does not wait for it).
  const tools = circuit.load().then(
    () => { showBackends(serverBackends); if (!connected && connection.failed?.name === "UnavailableError") useLocalBackend("The server cannot be reached"); },
    (err) => { $("diagram-note").textContent = `The circuit tools failed to load: ${err?.message ?? err}`; console.error(err); },
  );
  await connection.connect();
  await tools;
  await relay;
  document.body.dataset.ready = "true";
}

main().catch((err) => {
  const status = $("conn-status");
  status.className = "error-text";
  status.textContent = `The client failed to load: ${err?.message ?? err}`;
  console.error(err);
});

// The circuit tools in the page (arvak-grpc-wasm/circuit, loaded after the client): diagnostics
// as you type — underlined in the editor and listed under it, with the service's own words —
// the circuit diagram beside the editor, and local runs for the "local (in this browser)" backend.

import { $, h, fmt } from "./dom.js";

const DEBOUNCE_MS = 150;

/** The backend entry the picker shows for local runs (limits of the in-browser simulator). */
export function localBackend(tools) {
  return {
    backendId: tools.LOCAL_BACKEND_ID,
    name: "local (in this browser)",
    isAvailable: true,
    maxQubits: tools.LOCAL_MAX_QUBITS,
    maxShots: tools.LOCAL_MAX_SHOTS,
    description: "Runs in this page, in a Web Worker: no server needed.",
    supportedGates: tools.localGates(),
    local: true,
  };
}

/** 1-based line and column of string index `at`. */
function lineColumn(text, at) {
  const before = text.slice(0, at);
  const line = before.split("\n").length;
  return { line, column: at - (before.lastIndexOf("\n") + 1) + 1 };
}

/**
 * @param {{ textarea: HTMLTextAreaElement, program: () => ({ text: string, toOriginal: (i: number) => number }),
 *           validateFor: () => ({ backend: object|string|null, shots: number|null }),
 *           onReport?: (report) => void, focusRange: (start: number, end: number) => void }} ctx
 * `program` is the text to check (the editor's, with θ filled in) and a map of its indices back to
 * the editor's.
 */
export function createCircuitPanel(ctx) {
  const layer = $("squiggles");
  const list = $("diagnostics");
  const diagram = $("diagram");
  const diagramNote = $("diagram-note");
  let tools = null;
  let timer = null;
  let lastReport = null;
  let drawnSource = null;

  async function load() {
    const module = await import("../pkg/circuit/index.js");
    const loaded = await module.loadCircuitTools();
    tools = Object.assign(loaded, {
      LOCAL_BACKEND_ID: module.LOCAL_BACKEND_ID,
      LOCAL_MAX_QUBITS: module.LOCAL_MAX_QUBITS,
      LOCAL_MAX_SHOTS: module.LOCAL_MAX_SHOTS,
    });
    document.body.dataset.circuitTools = "ready";
    check();
    return tools;
  }

  /** Re-checks soon (the editor calls this on every change). */
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, DEBOUNCE_MS);
    syncLayer();
  }

  function check() {
    clearTimeout(timer);
    if (!tools) return;
    const { text: source, toOriginal } = ctx.program();
    const { backend, shots } = ctx.validateFor();
    const report = tools.validateQasm(source, { backend, shots });
    // Offsets back into the editor's text (θ may have been filled in).
    const original = ctx.textarea.value;
    report.diagnostics = report.diagnostics.map((d) => {
      const start = toOriginal(d.start);
      const end = Math.max(start, toOriginal(d.end));
      return { ...d, start, end, ...lineColumn(original, start) };
    });
    lastReport = report;
    renderSquiggles(original, report.diagnostics);
    renderList(report);
    renderDiagram(source, report);
    ctx.onReport?.(report);
    document.body.dataset.checked = String(Number(document.body.dataset.checked ?? 0) + 1);
  }

  // The text again, transparent, behind the textarea: each diagnostic's range is underlined.
  function renderSquiggles(text, diagnostics) {
    const marks = [...diagnostics].sort((a, b) => a.start - b.start);
    const parts = [];
    let at = 0;
    for (const d of marks) {
      const start = Math.max(d.start, at);
      if (start > text.length) continue;
      parts.push(text.slice(at, start));
      const end = Math.min(Math.max(d.end, start), text.length);
      // An empty range (the end of the input) still shows a mark one character wide.
      const body = end > start ? text.slice(start, end) : " ";
      parts.push(h("span", { class: `squiggle ${d.severity}`, title: d.message }, body));
      at = end;
    }
    parts.push(text.slice(at) + "\n");
    layer.replaceChildren(...parts);
    syncLayer();
  }

  function syncLayer() {
    layer.style.transform = `translate(${-ctx.textarea.scrollLeft}px, ${-ctx.textarea.scrollTop}px)`;
  }
  ctx.textarea.addEventListener("scroll", syncLayer);

  function renderList(report) {
    const items = report.diagnostics.map((d) => {
      const go = h("button", { type: "button", class: "link mono", dataset: { line: String(d.line), column: String(d.column) } },
        `${d.line}:${d.column}`);
      go.addEventListener("click", () => ctx.focusRange(d.start, d.end));
      return h("li", { class: d.severity, dataset: { severity: d.severity } },
        go, h("span", { class: "severity" }, d.severity === "error" ? "error" : "will fail"), h("span", { class: "message" }, d.message));
    });
    list.replaceChildren(...items);
    list.hidden = items.length === 0;
  }

  function renderDiagram(source, report) {
    const figures = report.ok || report.qubits > 0
      ? `${fmt(report.qubits)} qubit${report.qubits === 1 ? "" : "s"} · ${fmt(report.gates)} gate${report.gates === 1 ? "" : "s"} · depth ${fmt(report.depth)}`
      : "";
    if (report.diagnostics.some((d) => d.severity === "error" && d.message.includes("QASM parse error"))) {
      diagram.classList.add("stale");
      diagramNote.textContent = drawnSource === null ? "No diagram: the program does not parse." : "The last circuit that parsed (fix the error to update).";
      return;
    }
    diagram.classList.remove("stale");
    diagramNote.textContent = figures;
    if (source === drawnSource) return;
    let svgText;
    try {
      svgText = tools.drawCircuit(source);
    } catch {
      return;
    }
    // Parsed as SVG and adopted: no HTML parsing of text that came from the editor.
    const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    const root = doc.documentElement;
    if (root.nodeName !== "svg") return;
    diagram.replaceChildren(document.importNode(root, true));
    drawnSource = source;
  }

  /** Runs `source` in the browser; resolves to the shape the result view shows. */
  async function runLocally(source, shots, signal) {
    if (!tools) throw new Error("The circuit tools are still loading.");
    return tools.simulateLocally(source, { shots, signal });
  }

  return {
    load,
    schedule,
    check,
    runLocally,
    get tools() { return tools; },
    get report() { return lastReport; },
  };
}

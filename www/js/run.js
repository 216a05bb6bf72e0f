// Run: submit the editor's circuit, follow its state live (WatchJob through waitForJob's updates),
// then show the histogram — or the error, with the parse error's line highlighted in the editor.

import { $, h, fmt } from "./dom.js";
import { usesTheta, withTheta } from "./editor.js";
import { describe, lineOf, lineOfName, isCancel } from "./problems.js";

const STEPS = ["SUBMITTING", "QUEUED", "RUNNING", "COMPLETED"];
const TERMINAL = { COMPLETED: "completed", FAILED: "failed", CANCELED: "cancelled", RESULT_EXPIRED: "expired", REJECTED: "rejected" };

/** A short name for the circuit: its first comment up to ':' or '.', else "Circuit". */
function circuitLabel(source, theta) {
  const m = /\/\/\s*([^\n]*)/.exec(source);
  let label = m ? m[1].split(/[:.]/)[0].trim() : "";
  if (label.length > 48) label = `${label.slice(0, 47)}…`;
  if (!label) label = "Circuit";
  return theta !== null ? `${label} · θ = ${theta}` : label;
}

/**
 * @param {{ editor, results, history, connection, circuit,
 *           settings: () => ({ source, backendId, shots, theta, local } | null),
 *           serverBackend: () => string | null, onUnreachable: (err) => void }} ctx
 * `circuit` runs the "local" backend in the browser; `serverBackend` names the server backend a
 * local result can be compared with; `onUnreachable` hears of runs that could not reach the server.
 */
export function createRunner(ctx) {
  const runButton = $("run");
  const line = $("job-line");
  const stateEl = $("job-state");
  const steps = $("job-steps");
  const jobIdEl = $("job-id");
  const elapsedEl = $("job-elapsed");
  const cancelButton = $("job-cancel");
  const errorBox = $("error-box");
  const note = $("run-note");

  function setNote(text, kind = "") {
    note.textContent = text ?? "";
    note.dataset.kind = kind;
    note.hidden = !text;
  }

  let current = 0;       // id of the run the result panel follows
  let currentJob = null; // { client, jobId } while it can be cancelled
  let ticker = null;

  // The step list: submitted → queued → running → completed (or how it ended). `reached` is the
  // furthest step seen in this run, so a job that jumps from QUEUED to COMPLETED shows every step.
  let reached = 0;
  function setState(state, source) {
    stateEl.dataset.state = state;
    stateEl.textContent = TERMINAL[state] ?? state.toLowerCase();
    stateEl.title = source ? `last update from ${source === "watch" ? "the WatchJob stream" : "a status poll"}` : "";
    const index = STEPS.indexOf(state);
    if (state === "SUBMITTING") reached = 0;
    else if (index >= 0) reached = Math.max(reached, index);
    const items = [...steps.children];
    const end = items.length - 1;
    items.forEach((li, i) => {
      const finished = state in TERMINAL && state !== "REJECTED";
      if (i < reached || (finished && i === reached) || state === "COMPLETED") li.className = "done";
      else li.className = i === reached && index >= 0 ? "now" : "";
    });
    items[end].textContent = TERMINAL[state] ?? "completed";
    if (state in TERMINAL && state !== "COMPLETED") items[end].className = state === "CANCELED" ? "stopped" : "bad";
  }

  function startClock(t0) {
    clearInterval(ticker);
    const tick = () => { elapsedEl.textContent = `${fmt((performance.now() - t0) / 1000, 1)} s`; };
    tick();
    ticker = setInterval(tick, 100);
  }
  function stopClock(t0) {
    clearInterval(ticker);
    const ms = performance.now() - t0;
    elapsedEl.textContent = ms < 1000 ? `${Math.round(ms)} ms` : `${fmt(ms / 1000, 2)} s`;
  }

  function hideError() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
  }

  /** Shows a failure plainly; a parse error's line is highlighted in the editor. */
  function showError(err, source) {
    const d = describe(err);
    let where = lineOf(d.message);
    let guessed = false;
    if (where === null && d.name === "InvalidCircuitError") {
      where = lineOfName(d.message, source);
      guessed = where !== null;
    }
    const parts = [h("div", { class: "error-title" }, d.title, d.code ? h("span", { class: "code" }, d.code) : null),
      h("pre", { class: "error-message" }, d.message)];
    if (where !== null) {
      ctx.editor.markLine(where);
      const go = h("button", { type: "button", class: "link", dataset: { line: String(where) } },
        guessed ? `first use on line ${where}` : `line ${where}`);
      go.addEventListener("click", () => ctx.editor.focusLine(where));
      parts.push(h("div", { class: "error-hint" }, "In the editor: ", go, guessed ? " (found by name; the server gives no line)" : ""));
    }
    if (d.hint) parts.push(h("div", { class: "error-hint" }, d.hint));
    if (d.attempts && d.attempts > 1) parts.push(h("div", { class: "error-hint" }, `${d.attempts} attempts were made.`));
    errorBox.replaceChildren(...parts);
    errorBox.hidden = false;
  }

  async function run() {
    const s = ctx.settings();
    const client = ctx.connection.client;
    if (!s || (!s.local && !client)) return;
    const theta = usesTheta(s.source) ? s.theta : null;
    const qasm = theta !== null ? withTheta(s.source, theta) : s.source;
    const runId = ++current;
    const isCurrent = () => runId === current;
    const label = circuitLabel(s.source, theta);
    const t0 = performance.now();

    ctx.editor.clearMark();
    hideError();
    ctx.results.hide();
    line.hidden = false;
    jobIdEl.textContent = "";
    cancelButton.hidden = true;
    currentJob = null;
    setState("SUBMITTING");
    setNote(`Running on ${s.backendId}… the histogram appears when the job completes.`);
    startClock(t0);

    const entry = ctx.history.add({ label, shots: s.shots, state: "SUBMITTING" });
    if (s.local) return runLocal({ s, qasm, label, t0, isCurrent, entry });
    let jobId;
    try {
      jobId = await client.submitQasm(qasm, s.backendId, { shots: s.shots });
    } catch (err) {
      const d = describe(err);
      ctx.history.update(entry, { state: "REJECTED", detail: d.message });
      ctx.connection.noteError(err);
      if (err?.name === "UnavailableError") ctx.onUnreachable?.(err);
      if (isCurrent()) { setState("REJECTED"); stopClock(t0); setNote(null); showError(err, s.source); }
      return;
    }

    const cancel = async () => {
      const r = await client.cancelJob(jobId);
      if (!r.success) ctx.history.update(entry, { detail: r.message });
    };
    ctx.history.update(entry, { jobId, state: "QUEUED", cancel });
    if (isCurrent()) {
      jobIdEl.textContent = jobId;
      currentJob = { cancel };
      cancelButton.hidden = false;
      setState("QUEUED");
    }

    try {
      const result = await client.waitForJob(jobId, {
        onUpdate: (u) => {
          ctx.history.update(entry, { state: u.state });
          if (isCurrent()) setState(u.state, u.source);
        },
      });
      const shown = {
        jobId, label, backendId: s.backendId, source: qasm, shots: result.shots,
        counts: { ...result.counts }, executionTimeMs: result.executionTimeMs,
        roundTripMs: Math.round(performance.now() - t0),
      };
      result.free?.();
      ctx.history.update(entry, { state: "COMPLETED", view: () => { current++; showFinished(shown); } });
      if (isCurrent()) { stopClock(t0); setState("COMPLETED"); setNote(null); ctx.results.show(shown); offerCompare(shown); }
    } catch (err) {
      const state = isCancel(err) ? "CANCELED" : err?.name === "ResultExpiredError" ? "RESULT_EXPIRED" : "FAILED";
      const d = describe(err);
      ctx.history.update(entry, { state, detail: state === "CANCELED" ? null : d.message });
      if (state !== "CANCELED") ctx.connection.noteError(err);
      if (isCurrent()) {
        stopClock(t0);
        setState(state);
        if (state === "CANCELED") setNote("The job was cancelled on the server; it has no result.", "cancelled");
        else { setNote(null); showError(err, s.source); }
      }
    } finally {
      if (isCurrent()) { cancelButton.hidden = true; currentJob = null; }
    }
  }

  /** The "local (in this browser)" backend: the circuit tools' simulator in a Web Worker. */
  async function runLocal({ s, qasm, label, t0, isCurrent, entry }) {
    const controller = new AbortController();
    const cancel = async () => controller.abort(new Error("Cancelled in the page"));
    ctx.history.update(entry, { state: "RUNNING", cancel });
    if (isCurrent()) {
      setState("RUNNING");
      setNote("Running in this browser (local simulator, in a Web Worker)…");
      currentJob = { cancel };
      cancelButton.hidden = false;
    }
    try {
      const result = await ctx.circuit.runLocally(qasm, s.shots, controller.signal);
      const shown = {
        jobId: result.jobId, label, backendId: s.backendId, source: qasm, shots: result.shots,
        counts: { ...result.counts }, executionTimeMs: result.executionTimeMs, local: true,
        roundTripMs: Math.round(performance.now() - t0),
      };
      ctx.history.update(entry, { jobId: result.jobId, state: "COMPLETED", cancel: null, view: () => { current++; showFinished(shown); } });
      if (isCurrent()) {
        jobIdEl.textContent = result.jobId;
        stopClock(t0); setState("COMPLETED"); setNote(null); ctx.results.show(shown); offerCompare(shown);
      }
    } catch (err) {
      const state = err?.name === "AbortError" ? "CANCELED" : err?.name === "InvalidCircuitError" ? "REJECTED" : "FAILED";
      ctx.history.update(entry, { state, cancel: null, detail: state === "CANCELED" ? null : describe(err).message });
      if (isCurrent()) {
        stopClock(t0);
        setState(state);
        if (state === "CANCELED") setNote("The local run was stopped; it has no result.", "cancelled");
        else { setNote(null); showError(err, s.source); }
      }
    } finally {
      if (isCurrent()) { cancelButton.hidden = true; currentJob = null; }
    }
  }

  // ---- compare: the same circuit and shots on the other side (local ↔ server) ----------------
  const compareButton = $("compare");
  let compareWith = null;

  function offerCompare(shown) {
    ctx.results.hideComparison();
    compareWith = null;
    if (shown.local) {
      const backendId = ctx.serverBackend();
      const client = ctx.connection.client;
      if (backendId && client) {
        compareWith = { label: backendId, run: async () => {
          const jobId = await client.submitQasm(shown.source, backendId, { shots: shown.shots });
          const r = await client.waitForJob(jobId);
          const other = { backendId, shots: r.shots, counts: { ...r.counts } };
          r.free?.();
          return other;
        } };
      }
    } else if (ctx.circuit.tools) {
      compareWith = { label: "local (in this browser)", run: async () => {
        const r = await ctx.circuit.runLocally(shown.source, shown.shots);
        return { backendId: "local", shots: r.shots, counts: { ...r.counts } };
      } };
    }
    compareButton.hidden = compareWith === null;
    if (compareWith) compareButton.textContent = `Compare with ${compareWith.label}`;
  }

  compareButton.addEventListener("click", async () => {
    const shown = ctx.results.shown;
    if (!compareWith || !shown) return;
    compareButton.disabled = true;
    $("compare-note").textContent = `Running on ${compareWith.label}…`;
    try {
      ctx.results.showComparison(shown, await compareWith.run());
    } catch (err) {
      $("compare-note").textContent = `The comparison run failed: ${describe(err).message}`;
      ctx.connection.noteError(err);
    } finally {
      compareButton.disabled = false;
    }
  });

  /** Shows a finished run from the history. */
  function showFinished(shown) {
    clearInterval(ticker);
    hideError();
    setNote(null);
    ctx.editor.clearMark();
    line.hidden = false;
    jobIdEl.textContent = shown.jobId;
    elapsedEl.textContent = `${fmt(shown.roundTripMs)} ms`;
    cancelButton.hidden = true;
    setState("COMPLETED");
    ctx.results.show(shown);
    offerCompare(shown);
  }

  runButton.addEventListener("click", run);
  cancelButton.addEventListener("click", async () => {
    if (!currentJob) return;
    cancelButton.disabled = true;
    try { await currentJob.cancel(); } catch (err) { ctx.connection.noteError(err); } finally { cancelButton.disabled = false; }
  });

  return {
    run,
    hideError,
    setEnabled(on) { runButton.disabled = !on; },
  };
}

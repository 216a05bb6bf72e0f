// The Batch tab: N copies of the editor's circuit, or a sweep of `theta` over a range, run as one
// batch with a progress bar; copies show their merged counts, a sweep shows P(outcome) vs θ.

import { $, h, fmt, pct } from "./dom.js";
import { usesTheta, withTheta } from "./editor.js";
import { renderHistogram } from "./histogram.js";
import { renderSweep } from "./sweep-chart.js";
import { describe } from "./problems.js";

const MAX_JOBS = 500;

/**
 * @param {{ pkg: object, connection: object, history: object,
 *           settings: () => ({ source: string, backendId: string, shots: number } | null),
 *           loadExample: (id: string) => void }} ctx
 */
export function createBatch(ctx) {
  const runButton = $("batch-run");
  const cancelButton = $("batch-cancel");
  const bar = $("batch-progress");
  const fill = bar.querySelector(".progress-fill");
  const progressText = $("batch-progress-text");
  const message = $("batch-message");
  const output = $("batch-output");
  const chart = $("batch-chart");
  const summary = $("batch-summary");
  const copiesFields = $("batch-copies");
  const sweepFields = $("batch-sweep");

  let controller = null;

  const mode = () => document.querySelector('input[name="batch-mode"]:checked').value;
  function showMode() {
    copiesFields.hidden = mode() !== "copies";
    sweepFields.hidden = mode() !== "sweep";
  }
  document.querySelectorAll('input[name="batch-mode"]').forEach((r) => r.addEventListener("change", showMode));
  showMode();

  function setProgress(p) {
    const percent = Math.round(p.percentComplete);
    fill.style.width = `${percent}%`;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.dataset.state = p.failed ? "some-failed" : "ok";
    progressText.textContent = `${p.completed + p.failed} / ${p.total} done · ${percent}%` +
      ` · submitted ${p.submitted}${p.failed ? ` · ${p.failed} failed` : ""}`;
  }

  function say(text, kind = "muted", ...extra) {
    message.className = kind;
    message.replaceChildren(text, ...extra);
  }

  function plan(settings) {
    if (mode() === "copies") {
      const n = Number($("batch-n").value);
      if (!Number.isInteger(n) || n < 1 || n > MAX_JOBS) throw new Error(`Copies must be a whole number from 1 to ${MAX_JOBS}.`);
      const qasm = usesTheta(settings.source) ? withTheta(settings.source, settings.theta) : settings.source;
      return { kind: "copies", circuits: Array.from({ length: n }, () => ({ qasm, shots: settings.shots })) };
    }
    if (!usesTheta(settings.source)) {
      const load = h("button", { type: "button", class: "link" }, "load the rotation example");
      load.addEventListener("click", () => { ctx.loadExample("rotation"); say("Example loaded: run the sweep again."); });
      throw Object.assign(new Error("The sweep fills in `theta` in the editor's circuit, and this circuit has none: "), { extra: load });
    }
    const from = Number($("sweep-from").value) * Math.PI;
    const to = Number($("sweep-to").value) * Math.PI;
    const steps = Number($("sweep-steps").value);
    if (![from, to].every(Number.isFinite)) throw new Error("θ range: enter numbers (multiples of π).");
    if (!Number.isInteger(steps) || steps < 2 || steps > MAX_JOBS) throw new Error(`Points must be a whole number from 2 to ${MAX_JOBS}.`);
    const thetas = Array.from({ length: steps }, (_, i) => from + ((to - from) * i) / (steps - 1));
    return {
      kind: "sweep",
      thetas,
      circuits: thetas.map((t) => ({ qasm: withTheta(settings.source, t), shots: settings.shots })),
    };
  }

  async function run() {
    const settings = ctx.settings();
    const client = ctx.connection.client;
    if (!settings || !client) return;
    let p;
    try {
      p = plan(settings);
    } catch (e) {
      say(e.message, "error-text", e.extra ?? "");
      return;
    }
    p.title = p.kind === "copies" ? `Batch: ${p.circuits.length} copies` : `Sweep: θ, ${p.circuits.length} points`;
    p.total = p.circuits.length;
    await drive(p, settings.shots, settings.backendId, (manager, options) =>
      // The label carries what the page needs to show the outcome after a reload.
      manager.executeBatch(p.circuits, settings.backendId, { ...options, label: JSON.stringify({ title: p.title, kind: p.kind, thetas: p.thetas, shots: settings.shots }) }));
  }

  /** Runs (or resumes) a batch with progress, history entry and outcome. */
  async function drive(p, shots, backendId, start) {
    const client = ctx.connection.client;
    controller = new AbortController();
    runButton.disabled = true;
    cancelButton.hidden = false;
    output.hidden = true;
    say(`${p.resumed ? "Resuming" : "Running"} ${p.total} jobs of ${fmt(shots)} shots on ${backendId}…`);
    setProgress({ total: p.total, submitted: 0, completed: 0, failed: 0, percentComplete: 0 });
    const entry = ctx.history.add({ label: p.title, shots, jobs: p.total, state: "RUNNING", progress: "0%", cancel: async () => controller?.abort() });
    try {
      const manager = new ctx.pkg.BatchJobManager(client, { maxWorkers: 10 });
      const outcome = await start(manager, {
        signal: controller.signal,
        onProgress: (pr) => {
          setProgress(pr);
          ctx.history.update(entry, { progress: `${Math.round(pr.percentComplete)}%` });
        },
      });
      show(p, outcome);
      const state = outcome.status === "completed" ? "COMPLETED" : outcome.status === "cancelled" ? "CANCELED" : "FAILED";
      ctx.history.update(entry, { state, progress: null,
        detail: outcome.failures.length ? `${outcome.failures.length} of ${p.total} failed` : null });
    } catch (err) {
      const d = describe(err);
      say(`${d.title}: ${d.message}`, "error-text");
      ctx.history.update(entry, { state: "FAILED", progress: null, detail: d.message });
      ctx.connection.noteError(err);
    } finally {
      controller = null;
      runButton.disabled = false;
      cancelButton.hidden = true;
    }
  }

  function show(p, outcome) {
    const ok = outcome.results.filter(Boolean);
    const firstFailure = outcome.failures[0] ? describe(outcome.failures[0].error) : null;
    const secs = fmt(outcome.totalTimeMs / 1000, 2);
    const how = p.resumed ? "resumed from the journal" : "BatchJobManager";
    if (firstFailure) {
      say(`${outcome.status}: ${ok.length} of ${p.total} jobs completed in ${secs} s (${how}). First failure (input ${outcome.failures[0].index}): `,
        "error-text", h("code", {}, firstFailure.message));
    } else {
      say(`${outcome.status}: ${ok.length} of ${p.total} jobs completed in ${secs} s (${how}).`, "ok-text");
    }
    if (!ok.length) return;
    output.hidden = false;
    if (p.kind === "copies") {
      const merged = {};
      for (const r of ok) for (const [k, v] of Object.entries(r.counts)) merged[k] = (merged[k] ?? 0) + v;
      const total = Object.values(merged).reduce((a, b) => a + b, 0);
      summary.textContent = `Merged counts of ${ok.length} jobs (${fmt(total)} shots):`;
      renderHistogram(chart, merged, { sort: "bitstring", topK: 16 });
    } else {
      const width = Object.keys(ok[0].counts)[0]?.length ?? 1;
      let outcomeKey = ($("sweep-outcome").value.trim() || "1").replace(/[^01]/g, "");
      outcomeKey = outcomeKey.padStart(width, "0");
      const points = p.thetas.map((theta, i) => {
        const r = outcome.results[i];
        if (!r) return { theta, p: null };
        const total = Object.values(r.counts).reduce((a, b) => a + b, 0) || 1;
        return { theta, p: (r.counts[outcomeKey] ?? 0) / total };
      });
      const best = points.filter((q) => q.p !== null).reduce((a, b) => (b.p > a.p ? b : a), { p: -1 });
      summary.textContent = `P(|${outcomeKey}⟩) over θ — highest ${pct(best.p)} at θ = ${best.theta?.toFixed(3)}:`;
      renderSweep(chart, points, outcomeKey);
    }
  }

  /** After a reload: offers the journal's unfinished batches (the newest) to resume or forget. */
  function offerResume() {
    const client = ctx.connection.client;
    if (!client || controller) return;
    const left = client.journalBatches();
    const b = left[left.length - 1];
    if (!b) return;
    let meta = {};
    try { meta = JSON.parse(b.label ?? "{}") ?? {}; } catch { /* a label from elsewhere */ }
    const p = { title: meta.title ?? `Batch of ${b.total}`, kind: meta.kind === "sweep" && Array.isArray(meta.thetas) ? "sweep" : "copies",
      thetas: meta.thetas, total: b.total, resumed: true };
    const resume = h("button", { type: "button", id: "batch-resume", class: "primary" }, "Resume");
    const forget = h("button", { type: "button", id: "batch-forget", class: "link" }, "forget it");
    resume.addEventListener("click", () => {
      drive(p, meta.shots ?? 0, b.backendId, (manager, options) => manager.resumeBatch(b.batchId, options));
    });
    forget.addEventListener("click", () => { client.forgetBatch(b.batchId); say("Forgotten (its jobs were not cancelled)."); });
    const relayed = b.relayed ? `, ${b.relayed} on the wire when the page was left (their answers were kept)` : "";
    const doubt = b.inDoubt ? `, ${b.inDoubt} in flight when the page was left (not resubmitted)` : "";
    $("tab-batch")?.click();
    say(`Unfinished from before the reload: ${p.title} on ${b.backendId} — ${b.submitted} of ${b.total} submitted${relayed}${doubt}. `,
      "warn-text", resume, " ", forget);
  }

  runButton.addEventListener("click", run);
  cancelButton.addEventListener("click", () => controller?.abort());
  return {
    setEnabled(on) {
      runButton.disabled = !on || controller !== null;
      if (on) offerResume();
    },
  };
}

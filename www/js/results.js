// The result view: summary figures, the histogram with its sort / top-K controls, the counts
// table and CSV / JSON export.

import { $, h, fmt, pct, ket, download } from "./dom.js";
import { renderHistogram } from "./histogram.js";

const TABLE_ROWS = 256;

export function createResults() {
  const box = $("result");
  const empty = $("result-empty");
  const figures = $("result-figures");
  const chart = $("histogram");
  const tableBody = $("counts-body");
  const tableNote = $("counts-note");
  const sortSelect = $("sort");
  const topSelect = $("top-k");

  let shown = null;

  function orderedEntries(counts) {
    const entries = Object.entries(counts);
    if (sortSelect.value === "count") entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    else entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return entries;
  }

  function draw() {
    if (!shown) return;
    const { counts } = shown;
    const topK = topSelect.value === "all" ? Infinity : Number(topSelect.value);
    renderHistogram(chart, counts, { sort: sortSelect.value, topK });
    const total = Object.values(counts).reduce((a, b) => a + b, 0) || 1;
    const entries = orderedEntries(counts);
    tableBody.replaceChildren(...entries.slice(0, TABLE_ROWS).map(([k, v]) =>
      h("tr", {}, h("td", { class: "mono" }, ket(k)), h("td", { class: "num" }, fmt(v)), h("td", { class: "num" }, pct(v / total)))));
    tableNote.textContent = entries.length > TABLE_ROWS
      ? `First ${TABLE_ROWS} of ${fmt(entries.length)} outcomes; export CSV for all of them.` : "";
  }

  function figure(label, value, title, wide = false) {
    return h("div", { class: wide ? "figure wide" : "figure", title: title ?? "" }, h("span", { class: "figure-value" }, value), h("span", { class: "figure-label" }, label));
  }

  /** Shows a result: { jobId, counts, shots, executionTimeMs, backendId, roundTripMs, source, label }. */
  function show(r) {
    shown = r;
    const outcomes = Object.keys(r.counts).length;
    const top = Object.entries(r.counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    const total = Object.values(r.counts).reduce((a, b) => a + b, 0) || 1;
    figures.replaceChildren(
      figure("shots", fmt(r.shots)),
      figure("outcomes", fmt(outcomes)),
      top ? figure(`most frequent · ${pct(top[1] / total)}`, ket(top[0]), `${ket(top[0])}: ${fmt(top[1])} of ${fmt(total)}`, top[0].length > 6)
        : figure("most frequent", "–"),
      figure("execution time", r.executionTimeMs === null ? "< 1 ms" : `${fmt(r.executionTimeMs)} ms`, r.local ? "Simulation time in this browser" : "Simulation time reported by the server"),
      figure("round trip", `${fmt(r.roundTripMs)} ms`, "From submit to result, measured in the browser"),
    );
    $("result-title").textContent = r.label;
    $("result-job").textContent = `${r.backendId} · job ${r.jobId}`;
    box.hidden = false;
    empty.hidden = true;
    draw();
  }

  /** Hides the last result (a new run started); the first-visit placeholder goes too. */
  function hide() {
    box.hidden = true;
    empty.hidden = true;
    hideComparison();
  }

  // ---- side by side: the shown result and a run of the same circuit elsewhere ----------------
  const comparison = $("comparison");
  const compareNote = $("compare-note");

  function hideComparison() {
    comparison.hidden = true;
    compareNote.textContent = "";
  }

  /** Total-variation distance of two count maps (as distributions). */
  function distance(a, b) {
    const ta = Object.values(a).reduce((s, n) => s + n, 0) || 1;
    const tb = Object.values(b).reduce((s, n) => s + n, 0) || 1;
    let d = 0;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) d += Math.abs((a[k] ?? 0) / ta - (b[k] ?? 0) / tb);
    return d / 2;
  }

  /** Shows `left` (the result on show) and `right` side by side, with their distance. */
  function showComparison(left, right) {
    const topK = topSelect.value === "all" ? Infinity : Number(topSelect.value);
    for (const [side, r] of [["left", left], ["right", right]]) {
      $(`compare-${side}-title`).textContent = `${r.backendId} · ${fmt(r.shots)} shots`;
      renderHistogram($(`compare-${side}`), r.counts, { sort: sortSelect.value, topK });
    }
    const tvd = distance(left.counts, right.counts);
    comparison.hidden = false;
    comparison.dataset.tvd = String(tvd);
    compareNote.textContent = `total-variation distance ${tvd.toFixed(3)} (0 = the same distribution; sampling noise alone gives ~${(1 / Math.sqrt(Math.min(left.shots, right.shots) || 1)).toFixed(3)})`;
  }

  function fileBase() {
    return `arvak-${shown.jobId.slice(0, 8)}`;
  }

  $("export-csv").addEventListener("click", () => {
    if (!shown) return;
    const total = Object.values(shown.counts).reduce((a, b) => a + b, 0) || 1;
    const lines = ["bitstring,count,probability",
      ...orderedEntries(shown.counts).map(([k, v]) => `${k},${v},${(v / total).toFixed(6)}`)];
    download(`${fileBase()}.csv`, lines.join("\n") + "\n", "text/csv");
  });
  $("export-json").addEventListener("click", () => {
    if (!shown) return;
    const total = Object.values(shown.counts).reduce((a, b) => a + b, 0) || 1;
    const data = {
      jobId: shown.jobId, backendId: shown.backendId, shots: shown.shots,
      executionTimeMs: shown.executionTimeMs, bitOrder: "qubit 0 is the rightmost character",
      counts: Object.fromEntries(orderedEntries(shown.counts)),
      probabilities: Object.fromEntries(orderedEntries(shown.counts).map(([k, v]) => [k, v / total])),
      qasm: shown.source,
    };
    download(`${fileBase()}.json`, JSON.stringify(data, null, 2) + "\n", "application/json");
  });
  sortSelect.addEventListener("change", draw);
  topSelect.addEventListener("change", draw);

  return { show, hide, showComparison, hideComparison, get shown() { return shown; } };
}

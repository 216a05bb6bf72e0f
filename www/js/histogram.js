// The counts histogram as SVG: ket labels, probability on each bar, sort by bitstring or count,
// and the top K outcomes with the rest folded into one "other" bar.

import { svg, ket, pct, fmt } from "./dom.js";

/**
 * The bars to draw: the `topK` most frequent outcomes (ties: smaller bitstring first), then ordered
 * by `sort`, plus one "other" bar for the remaining outcomes.
 * @returns {{ key: string|null, label: string, count: number, probability: number, outcomes: number }[]}
 */
export function histogramBars(counts, { sort = "bitstring", topK = 16 } = {}) {
  const entries = Object.entries(counts).map(([key, count]) => ({ key, count: Number(count) }));
  const total = entries.reduce((s, e) => s + e.count, 0) || 1;
  const byCount = (a, b) => b.count - a.count || (a.key < b.key ? -1 : 1);
  const byBits = (a, b) => (a.key.length - b.key.length) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  entries.sort(byCount);
  const kept = entries.length > topK ? entries.slice(0, topK) : entries;
  const rest = entries.slice(kept.length);
  kept.sort(sort === "count" ? byCount : byBits);
  const bars = kept.map((e) => ({ key: e.key, label: ket(e.key), count: e.count, probability: e.count / total, outcomes: 1 }));
  if (rest.length) {
    const count = rest.reduce((s, e) => s + e.count, 0);
    bars.push({ key: null, label: `other (${fmt(rest.length)})`, count, probability: count / total, outcomes: rest.length });
  }
  return bars;
}

function niceAxis(maxP) {
  const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25];
  const step = steps.find((s) => maxP / s <= 5) ?? 0.25;
  const top = Math.min(1, Math.max(step, Math.ceil(maxP / step - 1e-9) * step));
  const ticks = [];
  for (let t = 0; t <= top + 1e-9; t += step) ticks.push(+t.toFixed(4));
  return { top, ticks };
}

/**
 * Draws the histogram of `counts` into `container` (replacing its content).
 * @returns the bars drawn (see histogramBars)
 */
export function renderHistogram(container, counts, options = {}) {
  const bars = histogramBars(counts, options);
  const W = 720;
  const keyLen = Math.max(3, ...bars.map((b) => b.label.length));
  const plotLeft = 48;
  const plotRight = W - 12;
  const band = (plotRight - plotLeft) / Math.max(bars.length, 1);
  const labelWidth = keyLen * 7.6 + 6;
  const rotate = labelWidth > band - 4;
  const bottom = rotate ? Math.min(170, labelWidth * 0.72 + 18) : 30;
  const plotTop = 26;
  const plotH = 230;
  const H = plotTop + plotH + bottom;
  const { top, ticks } = niceAxis(Math.max(...bars.map((b) => b.probability), 0.01));
  const y = (p) => plotTop + plotH - (p / top) * plotH;

  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, class: "histogram", role: "img",
    "aria-label": `Histogram of ${bars.length} bar(s)`,
  });
  const axis = svg("g", { class: "axis" });
  for (const t of ticks) {
    axis.append(
      svg("line", { x1: plotLeft, x2: plotRight, y1: y(t), y2: y(t), class: t === 0 ? "baseline" : "grid" }),
      svg("text", { x: plotLeft - 8, y: y(t) + 4, "text-anchor": "end" }, `${Math.round(t * 100)}%`),
    );
  }
  root.append(axis);

  const barWidth = Math.max(2, Math.min(band * 0.72, 84));
  bars.forEach((b, i) => {
    const cx = plotLeft + band * (i + 0.5);
    const yTop = y(b.probability);
    const g = svg("g", {
      class: b.key === null ? "bar other" : "bar",
      dataset: { key: b.key ?? "other", count: String(b.count), probability: String(b.probability) },
    });
    g.append(
      svg("title", {}, `${b.label}: ${fmt(b.count)} (${pct(b.probability)})`),
      svg("rect", { x: cx - barWidth / 2, y: yTop, width: barWidth, height: Math.max(0.5, plotTop + plotH - yTop), rx: Math.min(4, barWidth / 4) }),
    );
    if (band >= 30) {
      g.append(svg("text", { class: "value", x: cx, y: yTop - 6, "text-anchor": "middle" }, pct(b.probability)));
    } else if (band >= 8) {
      // Narrow bars: the probability runs upwards from the bar's top.
      g.append(svg("text", { class: band < 12 ? "value tiny" : "value", x: cx + 3, y: yTop - 4, "text-anchor": "start",
        transform: `rotate(-90 ${cx + 3} ${yTop - 4})` }, pct(b.probability)));
    }
    const ly = plotTop + plotH + 16;
    g.append(rotate
      ? svg("text", { class: "label", x: cx, y: ly, "text-anchor": "end", transform: `rotate(-50 ${cx} ${ly})` }, b.label)
      : svg("text", { class: "label", x: cx, y: ly + 2, "text-anchor": "middle" }, b.label));
    root.append(g);
  });
  container.replaceChildren(root);
  return bars;
}

// A small SVG line chart of P(outcome) against θ for the Batch tab's sweep.

import { svg, pct } from "./dom.js";

function thetaLabel(v) {
  const k = v / (Math.PI / 2);
  if (Math.abs(k - Math.round(k)) < 1e-6) {
    const n = Math.round(k);
    const names = { 0: "0", 1: "π/2", 2: "π", [-1]: "−π/2", [-2]: "−π" };
    if (n in names) return names[n];
    return n % 2 === 0 ? `${n / 2}π` : `${n}π/2`;
  }
  return v.toFixed(2);
}

/**
 * @param {HTMLElement} container
 * @param {{ theta: number, p: number|null }[]} points (p null = that job failed)
 * @param {string} outcome the bitstring plotted
 */
export function renderSweep(container, points, outcome) {
  const W = 720, H = 260, L = 52, R = 16, T = 16, B = 40;
  const xs = points.map((p) => p.theta);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const span = hi - lo || 1;
  const x = (t) => L + ((t - lo) / span) * (W - L - R);
  const y = (p) => T + (1 - p) * (H - T - B);

  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "sweep", role: "img",
    "aria-label": `P(${outcome}) against theta` });
  const axis = svg("g", { class: "axis" });
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    axis.append(svg("line", { x1: L, x2: W - R, y1: y(p), y2: y(p), class: p === 0 ? "baseline" : "grid" }),
      svg("text", { x: L - 8, y: y(p) + 4, "text-anchor": "end" }, `${p * 100}%`));
  }
  // x ticks: multiples of π/2 when there are a few of them in range, else 5 even ticks.
  let ticks = [];
  const first = Math.ceil(lo / (Math.PI / 2) - 1e-9), last = Math.floor(hi / (Math.PI / 2) + 1e-9);
  if (last - first >= 1 && last - first <= 8) {
    for (let k = first; k <= last; k++) ticks.push(k * Math.PI / 2);
  } else {
    ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * span);
  }
  for (const t of ticks) {
    axis.append(svg("line", { x1: x(t), x2: x(t), y1: y(0), y2: y(0) + 5, class: "baseline" }),
      svg("text", { x: x(t), y: y(0) + 20, "text-anchor": "middle" }, thetaLabel(t)));
  }
  axis.append(svg("text", { x: W - R, y: H - 4, "text-anchor": "end", class: "axis-title" }, "θ"),
    svg("text", { x: L, y: T - 4, "text-anchor": "start", class: "axis-title" }, `P(|${outcome}⟩)`));
  root.append(axis);

  const ok = points.filter((p) => p.p !== null);
  if (ok.length > 1) {
    root.append(svg("polyline", { class: "line", points: ok.map((p) => `${x(p.theta)},${y(p.p)}`).join(" ") }));
  }
  for (const p of ok) {
    root.append(svg("circle", { class: "point", cx: x(p.theta), cy: y(p.p), r: 3.5,
      dataset: { theta: String(p.theta), p: String(p.p) } },
    svg("title", {}, `θ = ${p.theta.toFixed(3)}: ${pct(p.p)}`)));
  }
  container.replaceChildren(root);
}
